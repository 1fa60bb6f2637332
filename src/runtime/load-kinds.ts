import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyKindDefinition as AnyKind } from './kind.js';

function looksLikeKind(v: unknown): v is AnyKind {
  return typeof v === 'object' && v !== null && typeof (v as AnyKind).name === 'string' && typeof (v as AnyKind).handler === 'function';
}

function collect(value: unknown, into: AnyKind[]): void {
  if (looksLikeKind(value)) into.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collect(v, into));
}

/**
 * Loads the kinds a user module exports (`--kinds ./my-kinds.js`): a default export (one kind or an
 * array), a `kinds` array, or named exports that are kinds.
 */
export async function loadKindModules(paths: string[], cwd = process.cwd()): Promise<AnyKind[]> {
  const kinds: AnyKind[] = [];
  for (const path of paths) {
    const mod = (await import(pathToFileURL(resolve(cwd, path)).href)) as Record<string, unknown>;
    const before = kinds.length;
    if ('kinds' in mod) collect(mod.kinds, kinds);
    else if ('default' in mod && (Array.isArray(mod.default) || looksLikeKind(mod.default))) collect(mod.default, kinds);
    else for (const value of Object.values(mod)) collect(value, kinds);
    if (kinds.length === before) throw new Error(`${path} exports no kinds (objects with a name and a handler)`);
  }
  return kinds;
}
