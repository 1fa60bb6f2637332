/**
 * The .proto sources behind reflection, read as protoc reads them: every file under its import name, with
 * its own package, syntax, imports and file options, and the whole import closure parsed into one
 * protobufjs Root (field names kept as written) so that type and option references resolve.
 *
 * Not proto-loader's package definition: that merges each package into one file and drops imports,
 * field-name case, map-entry names and custom options, which reflection clients need.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

export interface ProtoSource {
  /** The import name, e.g. `google/api/http.proto`. */
  name: string;
  package: string;
  syntax: 'proto2' | 'proto3';
  imports: string[];
  weakImports: string[];
  /** File-level options as protobufjs parsed them, one entry per `option` statement. */
  options: Record<string, unknown>[];
}

export interface ProtoSources {
  /** Every file, in the order they were reached from the entry files. */
  files: ProtoSource[];
  /** The closure parsed together and resolved; each element's `filename` is its file's import name. */
  root: protobuf.Root;
}

type Parse = typeof protobuf.parse & { filename: string | null };
const PARSE_OPTIONS = { keepCase: true } as const;

/**
 * @param entries import names to start from.
 * @param locate the path of an import name on disk, or undefined if no include folder has it.
 */
export function loadProtoSources(entries: readonly string[], locate: (name: string) => string | undefined): ProtoSources {
  const root = new protobuf.Root();
  const files: ProtoSource[] = [];
  const seen = new Set<string>();
  const queue = [...entries];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const path = locate(name);
    if (!path) throw new Error(`reflection: cannot find ${name} in the proto include folders`);
    const text = readFileSync(path, 'utf8');
    const optionCounts = new Map<protobuf.ReflectionObject, number>(packages(root).map((ns) => [ns, optionsOf(ns).length]));
    // The filename protobufjs stamps on every element tells which file declared it.
    (protobuf.parse as Parse).filename = name;
    const parsed = protobuf.parse(text, root, PARSE_OPTIONS);
    const ns = parsed.package ? root.lookup(parsed.package) : root;
    files.push({
      name,
      package: parsed.package ?? '',
      syntax: syntaxOf(name, text),
      imports: parsed.imports ?? [],
      weakImports: parsed.weakImports ?? [],
      // protobufjs puts file options on the package's namespace, shared by all files of the package.
      options: ns ? optionsOf(ns).slice(optionCounts.get(ns) ?? 0) : [],
    });
    queue.push(...(parsed.imports ?? []), ...(parsed.weakImports ?? []));
  }
  root.resolveAll();
  return { files, root };
}

function optionsOf(el: protobuf.ReflectionObject): Record<string, unknown>[] {
  return (el.parsedOptions ?? []) as unknown as Record<string, unknown>[];
}

/** The root and the namespaces of packages (not messages or services). */
function packages(ns: protobuf.Namespace): protobuf.Namespace[] {
  const out = [ns];
  for (const el of ns.nestedArray) {
    if (el instanceof protobuf.Namespace && !(el instanceof protobuf.Type) && !(el instanceof protobuf.Service)) out.push(...packages(el));
  }
  return out;
}

/** The `syntax` statement must come first (after comments); without one a file is proto2. */
function syntaxOf(name: string, text: string): 'proto2' | 'proto3' {
  const head = text.replace(/^(?:\s+|\/\/[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '');
  const m = /^(syntax|edition)\s*=\s*["']([^"']+)["']/.exec(head);
  if (!m) return 'proto2';
  if (m[1] === 'edition' || (m[2] !== 'proto2' && m[2] !== 'proto3')) {
    throw new Error(`reflection: ${name} uses ${m[1]} ${m[2]}, which the descriptor builder does not support`);
  }
  return m[2];
}
