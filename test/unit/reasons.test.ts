/** One list of ErrorInfo reasons: src/errors/reasons.ts. No other server module spells one itself. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Reason } from '../../src/errors/reasons.js';
import { REPO_ROOT } from '../helpers/child-server.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('ErrorInfo reasons', () => {
  const files = sources(join(REPO_ROOT, 'src'))
    .map((path) => ({ path: relative(REPO_ROOT, path), text: readFileSync(path, 'utf8') }))
    // The demo kinds stand for user code, which may throw reasons of its own.
    .filter((f) => f.path !== 'src/errors/reasons.ts' && !f.path.startsWith('src/kinds/'));

  it('every reason a module sets comes from the Reason list, never a string literal', () => {
    const literal = /reason\s*[:=]\s*['"`]|reason\s*\?\?\s*['"`]/;
    expect(files.filter((f) => literal.test(f.text)).map((f) => f.path)).toEqual([]);
  });

  it('no module spells a listed reason as a string', () => {
    const spelled = files.flatMap((f) =>
      Object.values(Reason)
        .filter((r) => f.text.includes(`'${r}'`) || f.text.includes(`"${r}"`))
        .map((r) => `${f.path}: ${r}`),
    );
    expect(spelled).toEqual([]);
  });

  it('each reason is UPPER_SNAKE_CASE and spelled once', () => {
    for (const [key, value] of Object.entries(Reason)) expect(key).toBe(value);
    expect(new Set(Object.values(Reason)).size).toBe(Object.values(Reason).length);
  });
});
