/**
 * proto-loader describes the loaded protos as one file per package (e.g. `google_longrunning.proto`)
 * and leaves every file's `dependency` list empty. Reflection clients (buf curl, grpcurl, Postman) link
 * files by those lists, so they fail to find our services. This fills the lists in from the types each
 * file references, once at start-up.
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
interface FileLike {
  name?: string;
  package?: string;
  syntax?: string;
  dependency?: string[];
  messageType?: MessageLike[];
  enumType?: { name?: string }[];
  service?: { name?: string; method?: { inputType?: string; outputType?: string }[] }[];
  extension?: FieldLike[];
}

type FileDescriptorProtoType = {
  decode(bin: Uint8Array): FileLike;
  encode(file: FileLike): { finish(): Uint8Array };
};

export function reflectionPackageDefinition(packageDefinition: PackageDefinition): PackageDefinition {
  const FileDescriptorProto = (descriptor as unknown as { FileDescriptorProto: FileDescriptorProtoType }).FileDescriptorProto;
  const files = new Map<string, FileLike>();
  for (const entry of Object.values(packageDefinition)) {
    const bins = (entry as { fileDescriptorProtos?: Uint8Array[] }).fileDescriptorProtos;
    for (const bin of bins ?? []) {
      const file = FileDescriptorProto.decode(bin);
      if (file.name && !files.has(file.name)) files.set(file.name, file);
    }
  }

  const owner = new Map<string, string>(); // fully-qualified type name (leading dot) → file name
  const indexMessages = (prefix: string, messages: MessageLike[] | undefined, fileName: string) => {
    for (const m of messages ?? []) {
      const fqn = `${prefix}.${m.name}`;
      owner.set(fqn, fileName);
      for (const e of m.enumType ?? []) owner.set(`${fqn}.${e.name}`, fileName);
      indexMessages(fqn, m.nestedType, fileName);
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

  const fixed: Uint8Array[] = [];
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
      for (const m of messages ?? []) {
        const fqn = `${scope}.${m.name}`;
        // protobufjs sews extensions into their extendee as fields named ".pkg.name": drop them, or
        // google.protobuf would import google.api and form a cycle that clients reject.
        m.field = m.field?.filter((f) => !f.name?.startsWith('.'));
        fixFields(m.field, fqn);
        fixFields(m.extension, fqn);
        visitMessages(m.nestedType, fqn);
      }
    };
    const pkg = file.package ? `.${file.package}` : '';
    visitMessages(file.messageType, pkg);
    fixFields(file.extension, pkg);
    for (const s of file.service ?? []) {
      for (const m of s.method ?? []) {
        m.inputType = ref(resolve(m.inputType, pkg));
        m.outputType = ref(resolve(m.outputType, pkg));
      }
    }
    file.dependency = [...deps].sort();
    // descriptor.proto is proto2 (enums from 1, defaults); merged under "proto3" it fails validation.
    if (file.package === 'google.protobuf') file.syntax = 'proto2';
    fixed.push(FileDescriptorProto.encode(file).finish());
  }
  return { all: { format: 'Protocol Buffer 3 FileDescriptorProto', fileDescriptorProtos: fixed } } as unknown as PackageDefinition;
}
