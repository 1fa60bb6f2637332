/**
 * The FileDescriptorProtos that server reflection serves, built once from the .proto sources: one per
 * source file under its import name, with its imports as `dependency`, every transitive import served
 * too (google/api/annotations.proto and google/protobuf/descriptor.proto, which custom options extend,
 * included), and indexes by symbol and by extension for the reflection requests.
 */
import protobuf from 'protobufjs';
import { DescriptorBuilder, strip, type Obj } from './descriptor-elements.js';
import { loadProtoSources, type ProtoSource } from './proto-sources.js';

export interface ReflectionFile {
  name: string;
  /** The encoded FileDescriptorProto. */
  bytes: Uint8Array;
  dependencies: string[];
}

export interface ReflectionDescriptors {
  /** By import name, in the order they were reached from the entry files. */
  files: ReadonlyMap<string, ReflectionFile>;
  /** Fully qualified name without a leading dot (message, field, oneof, enum, value, service, method, extension) → file. */
  symbols: ReadonlyMap<string, string>;
  /** Extended message (no leading dot) → extension number → file. */
  extensions: ReadonlyMap<string, ReadonlyMap<number, string>>;
}

/** Custom options extend its messages, and encoding them needs its types: always part of the set. */
const DESCRIPTOR_PROTO = 'google/protobuf/descriptor.proto';

export function buildReflectionDescriptors(entries: readonly string[], locate: (name: string) => string | undefined): ReflectionDescriptors {
  const { files: sources, root } = loadProtoSources([...entries, DESCRIPTOR_PROTO], locate);
  const builder = new DescriptorBuilder(root);
  const FileDescriptorProto = root.lookupType('google.protobuf.FileDescriptorProto');
  const elements = topLevelElements(root);

  const files = new Map<string, ReflectionFile>();
  const symbols = new Map<string, string>();
  const extensions = new Map<string, Map<number, string>>();
  for (const source of sources) {
    const file = fileDescriptor(source, elements.get(source.name) ?? [], builder);
    const bytes = FileDescriptorProto.encode(FileDescriptorProto.fromObject(file)).finish();
    files.set(source.name, { name: source.name, bytes, dependencies: [...source.imports, ...source.weakImports] });
    indexFile(file, source.name, symbols, extensions);
  }
  return { files, symbols, extensions };
}

function fileDescriptor(source: ProtoSource, elements: protobuf.ReflectionObject[], builder: DescriptorBuilder): Obj {
  const dependency = [...source.imports, ...source.weakImports];
  return strip({
    name: source.name,
    package: source.package || undefined,
    dependency,
    weak_dependency: source.weakImports.map((w) => dependency.indexOf(w)),
    message_type: elements.filter((e) => e instanceof protobuf.Type).map((t) => builder.message(t)),
    enum_type: elements.filter((e) => e instanceof protobuf.Enum).map((e) => builder.enumeration(e)),
    service: elements.filter((e) => e instanceof protobuf.Service).map((s) => builder.service(s)),
    extension: elements.filter((e) => e instanceof protobuf.Field).map((f) => builder.extension(f)),
    options: builder.fileOptions(source.options, source.package),
    // protoc leaves `syntax` unset for proto2.
    syntax: source.syntax === 'proto3' ? 'proto3' : undefined,
  });
}

/** Top-level messages, enums, services and extensions, grouped by the file that declared them. */
function topLevelElements(root: protobuf.Root): Map<string, protobuf.ReflectionObject[]> {
  const byFile = new Map<string, protobuf.ReflectionObject[]>();
  const walk = (ns: protobuf.Namespace) => {
    for (const el of ns.nestedArray) {
      const topLevel =
        el instanceof protobuf.Type ||
        el instanceof protobuf.Enum ||
        el instanceof protobuf.Service ||
        (el instanceof protobuf.Field && el.extend !== undefined);
      if (topLevel) {
        if (!el.filename) throw new Error(`reflection: ${el.fullName} has no source file`);
        byFile.set(el.filename, [...(byFile.get(el.filename) ?? []), el]);
      } else if (el instanceof protobuf.Namespace) {
        walk(el); // a package
      }
    }
  };
  walk(root);
  return byFile;
}

type D = Obj & { name: string };

/** Every name protobuf-go's registry resolves by name, as grpc-go's reflection answers them. */
function indexFile(file: Obj, fileName: string, symbols: Map<string, string>, extensions: Map<string, Map<number, string>>): void {
  const add = (fqn: string) => symbols.set(fqn, fileName);
  const list = (o: Obj, key: string) => (o[key] as D[] | undefined) ?? [];
  const ext = (scope: string, e: D) => {
    add(`${scope}.${e.name}`.replace(/^\./, ''));
    const extendee = String(e.extendee).replace(/^\./, '');
    const numbers = extensions.get(extendee) ?? new Map<number, string>();
    numbers.set(Number(e.number), fileName);
    extensions.set(extendee, numbers);
  };
  const enums = (scope: string, o: Obj) => {
    for (const en of list(o, 'enum_type')) {
      add(`${scope}.${en.name}`.replace(/^\./, ''));
      // Enum values are siblings of their enum, as in C++ scoping.
      for (const v of list(en, 'value')) add(`${scope}.${v.name}`.replace(/^\./, ''));
    }
  };
  const messages = (scope: string, o: Obj) => {
    for (const m of list(o, 'message_type').concat(list(o, 'nested_type'))) {
      const fqn = `${scope}.${m.name}`.replace(/^\./, '');
      add(fqn);
      for (const f of list(m, 'field')) add(`${fqn}.${f.name}`);
      for (const od of list(m, 'oneof_decl')) add(`${fqn}.${od.name}`);
      for (const e of list(m, 'extension')) ext(fqn, e);
      enums(fqn, m);
      messages(fqn, m);
    }
  };
  const pkg = (file.package as string | undefined) ?? '';
  messages(pkg, file);
  enums(pkg, file);
  for (const e of list(file, 'extension')) ext(pkg, e);
  for (const s of list(file, 'service')) {
    const fqn = `${pkg}.${s.name}`.replace(/^\./, '');
    add(fqn);
    for (const m of list(s, 'method')) add(`${fqn}.${m.name}`);
  }
}
