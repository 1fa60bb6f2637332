/**
 * protobufjs elements → google.protobuf.*DescriptorProto objects, as protoc writes them. Reflection
 * clients build their registries with protobuf-go's protodesc (buf curl, grpcurl) or its equivalents,
 * which reject what protoc never emits: an `extendee` on a plain field, a map entry not named
 * `<Field>Entry`, a proto3 enum not starting at 0, relative type names. So: snake_case names with
 * protoc's json_name, fully qualified type names with a leading dot, map entries and synthetic oneofs
 * spelled out, exclusive range ends, and every option kept, custom ones as extensions of *Options.
 */
import protobuf from 'protobufjs';

export type Obj = Record<string, unknown>;

/** FieldDescriptorProto.Type by protobufjs scalar name. */
const SCALAR: Record<string, number> = {
  double: 1, float: 2, int64: 3, uint64: 4, int32: 5, fixed64: 6, fixed32: 7, bool: 8, string: 9,
  bytes: 12, uint32: 13, sfixed32: 15, sfixed64: 16, sint32: 17, sint64: 18,
};
const TYPE_GROUP = 10;
const TYPE_MESSAGE = 11;
const TYPE_ENUM = 14;
const LABEL_OPTIONAL = 1;
const LABEL_REQUIRED = 2;
const LABEL_REPEATED = 3;

/** Options protobufjs keeps with the others but that are fields of the descriptor itself. */
const FIELD_PSEUDO_OPTIONS = new Set(['default', 'json_name', 'proto3_optional']);

/** protoc's ToJsonName: drop underscores, upper-case the letter after each. */
export function jsonName(name: string): string {
  return name.replace(/_+(.?)/g, (_m, c: string) => c.toUpperCase());
}

/** protoc's map entry name: `labels` → `LabelsEntry`, `string_map` → `StringMapEntry`. */
function mapEntryName(field: string): string {
  const camel = jsonName(field);
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Entry`;
}

export class DescriptorBuilder {
  private readonly optionTypes = new Map<string, protobuf.Type>();

  constructor(private readonly root: protobuf.Root) {}

  message(type: protobuf.Type): Obj {
    const fields: Obj[] = [];
    const nested: Obj[] = [];
    const enums: Obj[] = [];
    const extensions: Obj[] = [];
    // protoc lists synthetic oneofs (proto3 `optional`) after the real ones.
    const oneofs = [...type.oneofsArray.filter((o) => !isSynthetic(o)), ...type.oneofsArray.filter(isSynthetic)];
    for (const field of type.fieldsArray) {
      if (field.declaringField) continue; // an extension protobufjs sewed into its extendee
      const d = this.field(field, type);
      if (field.partOf) d.oneof_index = oneofs.indexOf(field.partOf);
      fields.push(d);
      if (field.map) nested.push(this.mapEntry(field as unknown as protobuf.MapField));
    }
    for (const el of type.nestedArray) {
      if (el instanceof protobuf.Type) nested.push(this.message(el));
      else if (el instanceof protobuf.Enum) enums.push(this.enumeration(el));
      else if (el instanceof protobuf.Field && el.extend !== undefined) extensions.push(this.extension(el));
    }
    const reserved = type.reserved ?? [];
    return strip({
      name: type.name,
      field: fields,
      nested_type: nested,
      enum_type: enums,
      extension: extensions,
      // protobufjs ranges are inclusive; DescriptorProto's end is exclusive.
      extension_range: (type.extensions ?? []).map(([start, end]) => ({ start, end: (end ?? start ?? 0) + 1 })),
      oneof_decl: oneofs.map((o) => strip({ name: o.name, options: this.options(o, 'OneofOptions') })),
      reserved_range: reserved.filter((r): r is number[] => typeof r !== 'string').map(([s, e]) => ({ start: s, end: (e ?? s ?? 0) + 1 })),
      reserved_name: reserved.filter((r): r is string => typeof r === 'string'),
      options: this.options(type, 'MessageOptions'),
    });
  }

  enumeration(en: protobuf.Enum): Obj {
    const reserved = en.reserved ?? [];
    return strip({
      name: en.name,
      value: Object.entries(en.values).map(([name, number]) =>
        strip({ name, number, options: this.parsedOptions(enumValueOptions(en, name), en, 'EnumValueOptions') }),
      ),
      options: this.options(en, 'EnumOptions'),
      // EnumReservedRange's end is inclusive, as protobufjs keeps it.
      reserved_range: reserved.filter((r): r is number[] => typeof r !== 'string').map(([s, e]) => ({ start: s, end: e ?? s })),
      reserved_name: reserved.filter((r): r is string => typeof r === 'string'),
    });
  }

  service(svc: protobuf.Service): Obj {
    return strip({
      name: svc.name,
      method: svc.methodsArray.map((m) => {
        m.resolve();
        return strip({
          name: m.name,
          input_type: m.resolvedRequestType?.fullName,
          output_type: m.resolvedResponseType?.fullName,
          options: this.options(m, 'MethodOptions'),
          client_streaming: m.requestStream ? true : undefined,
          server_streaming: m.responseStream ? true : undefined,
        });
      }),
      options: this.options(svc, 'ServiceOptions'),
    });
  }

  /** A top-level or nested `extend` field. */
  extension(field: protobuf.Field): Obj {
    const d = this.field(field, field.parent as protobuf.Namespace);
    d.extendee = field.extensionField?.parent?.fullName;
    if (!d.extendee) throw new Error(`reflection: cannot resolve the extendee of ${field.fullName}`);
    return d;
  }

  /** File-level options, kept by the caller per file (protobufjs shares them across a package). */
  fileOptions(parsed: Record<string, unknown>[], pkg: string): Obj | undefined {
    const scope = (pkg ? this.root.lookup(pkg) : this.root) as protobuf.Namespace;
    return this.parsedOptions(parsed, scope, 'FileOptions');
  }

  private field(field: protobuf.Field, scope: protobuf.Namespace): Obj {
    field.resolve();
    const opts = (field.options ?? {}) as Obj;
    const d: Obj = {
      name: field.name,
      number: field.id,
      label: field.repeated || field.map ? LABEL_REPEATED : (field as { rule?: string }).rule === 'required' ? LABEL_REQUIRED : LABEL_OPTIONAL,
      json_name: typeof opts.json_name === 'string' ? opts.json_name : jsonName(field.name),
    };
    if (field.map) {
      d.type = TYPE_MESSAGE;
      d.type_name = `${scope.fullName}.${mapEntryName(field.name)}`;
    } else {
      Object.assign(d, this.typeOf(field));
    }
    if (opts.default !== undefined) d.default_value = defaultText(opts.default);
    if (opts.proto3_optional === true) d.proto3_optional = true;
    const options = this.options(field, 'FieldOptions', FIELD_PSEUDO_OPTIONS);
    if (options) d.options = options;
    return d;
  }

  private typeOf(field: protobuf.FieldBase): Obj {
    const target = field.resolvedType;
    if (target instanceof protobuf.Enum) return { type: TYPE_ENUM, type_name: target.fullName };
    if (target instanceof protobuf.Type) {
      return { type: (field as { delimited?: boolean }).delimited || (target as { group?: boolean }).group ? TYPE_GROUP : TYPE_MESSAGE, type_name: target.fullName };
    }
    const scalar = SCALAR[field.type];
    if (scalar === undefined) throw new Error(`reflection: cannot resolve type ${field.type} of ${field.fullName}`);
    return { type: scalar };
  }

  private mapEntry(field: protobuf.MapField): Obj {
    const key = SCALAR[field.keyType];
    if (key === undefined) throw new Error(`reflection: invalid map key ${field.keyType} of ${field.fullName}`);
    const value = this.typeOf(field);
    return {
      name: mapEntryName(field.name),
      field: [
        { name: 'key', number: 1, label: LABEL_OPTIONAL, type: key, json_name: 'key' },
        { name: 'value', number: 2, label: LABEL_OPTIONAL, json_name: 'value', ...value },
      ],
      options: { map_entry: true },
    };
  }

  private options(el: protobuf.ReflectionObject, typeName: string, skip?: ReadonlySet<string>): Obj | undefined {
    const scope = el instanceof protobuf.Namespace ? el : (el.parent as protobuf.Namespace);
    return this.parsedOptions(el.parsedOptions as unknown as Record<string, unknown>[] | undefined, scope, typeName, skip);
  }

  /**
   * One `option` statement per entry, `(ext.name)` for custom options. Each becomes the field of the
   * *Options message it sets: a standard field, or the extension field protobufjs sewed in under the
   * extension's full name, so that encoding writes it with the extension's number.
   */
  private parsedOptions(
    parsed: Record<string, unknown>[] | undefined,
    scope: protobuf.Namespace | protobuf.ReflectionObject,
    typeName: string,
    skip?: ReadonlySet<string>,
  ): Obj | undefined {
    if (!parsed?.length) return undefined;
    const type = this.optionType(typeName);
    const out: Obj = {};
    for (const entry of parsed) {
      for (const [raw, value] of Object.entries(entry)) {
        if (skip?.has(raw)) continue;
        const field = this.optionField(raw, type, scope);
        const v = normalize(value, field);
        if (field.repeated) out[field.name] = [...((out[field.name] as unknown[]) ?? []), ...(Array.isArray(v) ? v : [v])];
        else out[field.name] = v;
      }
    }
    return Object.keys(out).length ? out : undefined;
  }

  private optionField(raw: string, type: protobuf.Type, scope: protobuf.Namespace | protobuf.ReflectionObject): protobuf.Field {
    const custom = /^\((.+)\)$/.exec(raw)?.[1];
    let field: protobuf.Field | undefined;
    if (custom === undefined) {
      field = type.fields[raw];
    } else {
      const ns = scope instanceof protobuf.Namespace ? scope : (scope.parent as protobuf.Namespace);
      const ext = ns.lookup(custom);
      field = ext instanceof protobuf.Field ? type.fields[ext.fullName] : undefined;
    }
    if (!field) throw new Error(`reflection: unknown option ${raw} on ${type.name} (in ${scope.fullName || 'the root'})`);
    return field.resolve();
  }

  private optionType(name: string): protobuf.Type {
    let t = this.optionTypes.get(name);
    if (!t) {
      t = this.root.lookupType(`google.protobuf.${name}`);
      this.optionTypes.set(name, t);
    }
    return t;
  }
}

function isSynthetic(o: protobuf.OneOf): boolean {
  return o.fieldsArray.length === 1 && o.fieldsArray[0]?.options?.proto3_optional === true;
}

/** protobufjs keeps an enum value's options as parsed entries or as one plain object. */
function enumValueOptions(en: protobuf.Enum, value: string): Record<string, unknown>[] | undefined {
  const opts = en.valuesOptions?.[value] as unknown;
  if (!opts) return undefined;
  return Array.isArray(opts) ? (opts as Record<string, unknown>[]) : [opts as Record<string, unknown>];
}

/** An option value shaped for fromObject: singular values of repeated fields become lists, recursively. */
function normalize(value: unknown, field: protobuf.Field): unknown {
  const type = field.resolvedType;
  const one = (v: unknown): unknown => {
    if (!(type instanceof protobuf.Type) || typeof v !== 'object' || v === null) return v;
    const out: Obj = {};
    for (const [k, sub] of Object.entries(v as Obj)) {
      const f = type.fields[k]?.resolve();
      if (!f) throw new Error(`reflection: option field ${k} is not in ${type.fullName}`);
      const n = normalize(sub, f);
      out[k] = f.repeated && !Array.isArray(n) ? [n] : n;
    }
    return out;
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

/** default_value as protoc writes it: the literal's text; floats' infinities as `inf`. */
function defaultText(value: unknown): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (typeof value === 'number' && Number.isNaN(value)) return 'nan';
  return String(value);
}

/** Leaves out empty lists and unset values, as protoc does: presence is meaningful in descriptors. */
export function strip(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}
