/** Parsers of the `lro` command's option values: each rejects bad input with a message commander prints (exit 1). */
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../client/duration.js';
import type { JsonObject } from '../client/types.js';

export function jsonObject(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`not JSON (${(err as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError('must be a JSON object, e.g. \'{"seconds": 5}\'');
  return value as JsonObject;
}

export function label(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`${JSON.stringify(text)} is not key=value`);
  return { ...previous, [text.slice(0, eq)]: text.slice(eq + 1) };
}

export function duration(text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new InvalidArgumentError(`${JSON.stringify(text)} is not a duration (e.g. 500ms, 10s, 2m, 1h)`);
  }
}

export function positiveInteger(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${JSON.stringify(text)} is not a whole number ≥ 1`);
  return n;
}
