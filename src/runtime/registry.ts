import { normalizeKind, type AnyKindDefinition, type Kind } from './kind.js';

export interface KindRegistry {
  get(name: string): Kind | undefined;
  list(): Kind[];
  names(): string[];
}

export function createRegistry(definitions: Iterable<AnyKindDefinition>): KindRegistry {
  const kinds = new Map<string, Kind>();
  for (const def of definitions) {
    const kind = normalizeKind(def);
    if (kinds.has(kind.name)) throw new TypeError(`kind ${kind.name} is registered twice`);
    kinds.set(kind.name, kind);
  }
  const sorted = [...kinds.values()].sort((a, b) => a.name.localeCompare(b.name));
  const names = sorted.map((k) => k.name);
  return {
    get: (name) => kinds.get(name),
    list: () => sorted,
    names: () => names,
  };
}
