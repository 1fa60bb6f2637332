/**
 * Descriptors for gRPC server reflection. proto-loader describes the loaded protos as one merged file per
 * package (`google_longrunning.proto`), with relative type names and no `dependency` lists; reflection
 * clients (buf curl, grpcurl, Postman) cannot link those. This splits them back into their source files
 * (`lro/v1/kinds.proto`, `google/protobuf/timestamp.proto`, …), qualifies every type name and fills in
 * each file's dependencies — once, at start-up.
 */
import type { PackageDefinition } from '@grpc/proto-loader';
import descriptor from 'protobufjs/ext/descriptor/index.js';

interface FieldLike {
  name?: string;
  typeName?: string;
  extendee?: string;
}
interface MessageLike {
  name?: string;
  field?: FieldLike[];
  extension?: FieldLike[];
  nestedType?: MessageLike[];
  enumType?: { name?: string }[];
}
interface ServiceLike {
  name?: string;
  method?: { inputType?: string; outputType?: string }[];
}
interface FileLike {
  name?: string;
  package?: string;
  syntax?: string;
  dependency?: string[];
  messageType?: MessageLike[];
  enumType?: { name?: string }[];
  service?: ServiceLike[];
  extension?: FieldLike[];
}

type FileDescriptorProtoType = {
  decode(bin: Uint8Array): FileLike;
  encode(file: FileLike): { finish(): Uint8Array };
};

/** protobufjs defines the well-known types itself, without a file name: these are their canonical files. */
const WELL_KNOWN: Record<string, string> = {
  Any: 'any',
  Duration: 'duration',
  Timestamp: 'timestamp',
  Empty: 'empty',
  Struct: 'struct',
  Value: 'struct',
  ListValue: 'struct',
  NullValue: 'struct',
  FieldMask: 'field_mask',
  DoubleValue: 'wrappers',
  FloatValue: 'wrappers',
  Int64Value: 'wrappers',
  UInt64Value: 'wrappers',
  Int32Value: 'wrappers',
  UInt32Value: 'wrappers',
  BoolValue: 'wrappers',
  StringValue: 'wrappers',
  BytesValue: 'wrappers',
};

/**
 * @param sourceFile the source file of a top-level symbol (fully qualified, no leading dot), relative to
 *   its include folder, or undefined when unknown.
 */
export function reflectionPackageDefinition(
  packageDefinition: PackageDefinition,
  sourceFile: (fqn: string) => string | undefined,
): PackageDefinition {
  const FileDescriptorProto = (descriptor as unknown as { FileDescriptorProto: FileDescriptorProtoType }).FileDescriptorProto;
  const merged = new Map<string, FileLike>();
  for (const entry of Object.values(packageDefinition)) {
    for (const bin of (entry as { fileDescriptorProtos?: Uint8Array[] }).fileDescriptorProtos ?? []) {
      const file = FileDescriptorProto.decode(bin);
      if (file.name && !merged.has(file.name)) merged.set(file.name, file);
    }
  }

  // 1. Split every merged file into its source files.
  const files = new Map<string, FileLike>();
  const fileFor = (pkg: string, name: string | undefined, fallback: string): FileLike => {
    const fqn = pkg ? `${pkg}.${name}` : `${name}`;
    const wkt = pkg === 'google.protobuf' ? `google/protobuf/${WELL_KNOWN[name ?? ''] ?? 'descriptor'}.proto` : undefined;
    const fileName = wkt ?? sourceFile(fqn) ?? fallback;
    let file = files.get(fileName);
    if (!file) {
      // descriptor.proto is proto2 (enums from 1, defaults); the others here are proto3.
      const syntax = fileName === 'google/protobuf/descriptor.proto' ? 'proto2' : 'proto3';
      file = { name: fileName, package: pkg, syntax, messageType: [], enumType: [], service: [] };
      files.set(fileName, file);
    }
    return file;
  };
  for (const [mergedName, m] of merged) {
    const pkg = m.package ?? '';
    for (const msg of m.messageType ?? []) fileFor(pkg, msg.name, mergedName).messageType!.push(msg);
    for (const en of m.enumType ?? []) fileFor(pkg, en.name, mergedName).enumType!.push(en);
    for (const svc of m.service ?? []) fileFor(pkg, svc.name, mergedName).service!.push(svc);
  }

  // 2. Index where every type lives.
  const owner = new Map<string, string>(); // ".pkg.Type" → file name
  const indexMessages = (prefix: string, messages: MessageLike[] | undefined, fileName: string) => {
    for (const msg of messages ?? []) {
      const fqn = `${prefix}.${msg.name}`;
      owner.set(fqn, fileName);
      for (const e of msg.enumType ?? []) owner.set(`${fqn}.${e.name}`, fileName);
      indexMessages(fqn, msg.nestedType, fileName);
    }
  };
  for (const [name, file] of files) {
    const prefix = file.package ? `.${file.package}` : '';
    indexMessages(prefix, file.messageType, name);
    for (const e of file.enumType ?? []) owner.set(`${prefix}.${e.name}`, name);
  }

  /** Resolves a type reference as protoc does: innermost scope first, then outwards; fully qualified out. */
  const resolve = (typeName: string | undefined, scope: string): string | undefined => {
    if (!typeName || typeName.startsWith('.')) return typeName;
    for (let s = scope; ; s = s.slice(0, Math.max(0, s.lastIndexOf('.')))) {
      const candidate = `${s}.${typeName}`;
      if (owner.has(candidate)) return candidate;
      if (s === '') return `.${typeName}`;
    }
  };

  // 3. Qualify references and record dependencies.
  const out: Uint8Array[] = [];
  for (const [name, file] of files) {
    const deps = new Set<string>();
    const ref = (typeName: string | undefined) => {
      const target = typeName ? owner.get(typeName) : undefined;
      if (target && target !== name) deps.add(target);
      return typeName;
    };
    const fixFields = (fields: FieldLike[] | undefined, scope: string) => {
      for (const f of fields ?? []) {
        f.typeName = ref(resolve(f.typeName, scope));
        f.extendee = ref(resolve(f.extendee, scope));
      }
    };
    const visitMessages = (messages: MessageLike[] | undefined, scope: string) => {
      for (const msg of messages ?? []) {
        const fqn = `${scope}.${msg.name}`;
        // protobufjs sews extensions into their extendee as fields named ".pkg.name": they belong to other
        // files (and would make google.protobuf import google.api, a cycle), so they are left out.
        msg.field = msg.field?.filter((f) => !f.name?.startsWith('.'));
        fixFields(msg.field, fqn);
        fixFields(msg.extension, fqn);
        visitMessages(msg.nestedType, fqn);
      }
    };
    const pkg = file.package ? `.${file.package}` : '';
    visitMessages(file.messageType, pkg);
    for (const svc of file.service ?? []) {
      for (const m of svc.method ?? []) {
        m.inputType = ref(resolve(m.inputType, pkg));
        m.outputType = ref(resolve(m.outputType, pkg));
      }
    }
    file.dependency = [...deps].sort();
    out.push(FileDescriptorProto.encode(file).finish());
  }
  return { all: { format: 'Protocol Buffer 3 FileDescriptorProto', fileDescriptorProtos: out } } as unknown as PackageDefinition;
}
