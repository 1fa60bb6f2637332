/**
 * The AIP-160 subset ListOperations accepts, parsed into a small AST that each store compiles to SQL.
 *
 *   expression := sequence { "AND" sequence }
 *   sequence   := factor { factor }            (juxtaposition means AND)
 *   factor     := term { "OR" term }           (OR binds tighter than AND, as in AIP-160)
 *   term       := [ "NOT" | "-" ] simple
 *   simple     := "(" expression ")" | field comparator value
 *
 * Fields: done, metadata.state, metadata.kind, metadata.create_time, metadata.requested_cancellation
 * (lowerCamelCase accepted too), and metadata.labels.KEY (= and != only; != also matches operations
 * without that label). Comparators: = != < > <= >=. Anything else is INVALID_ARGUMENT.
 */
import { invalidArgument } from '../errors/api-error.js';
import type { OperationState } from '../store/operation-store.js';
import type { Comparator, FilterExpr, FilterField } from '../store/query.js';
import { LABEL_KEY } from './labels.js';
import { Reason } from '../errors/reasons.js';

export type { Comparator, FilterExpr, FilterField };

const FIELDS: Record<string, FilterField> = {
  done: 'done',
  'metadata.state': 'state',
  'metadata.kind': 'kind',
  'metadata.create_time': 'create_time',
  'metadata.createTime': 'create_time',
  'metadata.requested_cancellation': 'requested_cancellation',
  'metadata.requestedCancellation': 'requested_cancellation',
};

const STATES: readonly OperationState[] = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const MAX_FILTER_LENGTH = 2000;
const MAX_DEPTH = 32;

type Token =
  | { t: 'word'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'cmp'; v: Comparator; pos: number }
  | { t: '(' | ')' | '-'; pos: number }
  | { t: 'end'; pos: number };

function fail(message: string): never {
  throw invalidArgument(`invalid filter: ${message}`, Reason.INVALID_FILTER);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c, pos: i++ });
    } else if (c === '"' || c === "'") {
      const start = i++;
      let v = '';
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        v += text[i++];
      }
      if (i >= text.length) fail(`unterminated string at position ${start}`);
      i++;
      tokens.push({ t: 'string', v, pos: start });
    } else if ('=!<>'.includes(c)) {
      const two = text.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ t: 'cmp', v: two, pos: i });
        i += 2;
      } else if (c === '!') {
        fail(`unexpected "!" at position ${i}`);
      } else {
        tokens.push({ t: 'cmp', v: c as Comparator, pos: i++ });
      }
    } else if (c === '-' && /[A-Za-z(]/.test(text[i + 1] ?? '')) {
      tokens.push({ t: '-', pos: i++ });
    } else if (/[A-Za-z0-9_.:+-]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_.:+-]/.test(text[i]!)) i++;
      tokens.push({ t: 'word', v: text.slice(start, i), pos: start });
    } else {
      fail(`unexpected character ${JSON.stringify(c)} at position ${i}`);
    }
  }
  tokens.push({ t: 'end', pos: text.length });
  return tokens;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.t === 'word' && t.v === v;
  }

  parse(): FilterExpr {
    const expr = this.expression();
    const t = this.peek();
    if (t.t !== 'end') fail(`unexpected ${describe(t)} at position ${t.pos}`);
    return expr;
  }

  private expression(): FilterExpr {
    let left = this.sequence();
    while (this.isWord('AND')) {
      this.next();
      left = { op: 'and', left, right: this.sequence() };
    }
    return left;
  }

  private sequence(): FilterExpr {
    let left = this.factor();
    for (;;) {
      const t = this.peek();
      if (t.t === 'end' || t.t === ')' || (t.t === 'word' && (t.v === 'AND' || t.v === 'OR'))) return left;
      left = { op: 'and', left, right: this.factor() };
    }
  }

  private factor(): FilterExpr {
    let left = this.term();
    while (this.isWord('OR')) {
      this.next();
      left = { op: 'or', left, right: this.term() };
    }
    return left;
  }

  private term(): FilterExpr {
    if (this.isWord('NOT') || this.peek().t === '-') {
      this.next();
      return { op: 'not', expr: this.simple() };
    }
    return this.simple();
  }

  private simple(): FilterExpr {
    const t = this.next();
    if (t.t === '(') {
      if (++this.depth > MAX_DEPTH) fail('too deeply nested');
      const expr = this.expression();
      const close = this.next();
      if (close.t !== ')') fail(`expected ")" at position ${close.pos}`);
      this.depth--;
      return expr;
    }
    if (t.t !== 'word' || t.v === 'AND' || t.v === 'OR' || t.v === 'NOT') {
      fail(`expected a field at position ${t.pos}, found ${describe(t)}`);
    }
    if (t.v.startsWith(LABELS_PREFIX)) return this.label(t.v);
    const field = FIELDS[t.v];
    if (!field) fail(`unknown field "${t.v}"; filterable: ${Object.keys(FIELDS).filter((f) => !/[A-Z]/.test(f)).join(', ')}, metadata.labels.KEY`);
    const cmp = this.next();
    if (cmp.t !== 'cmp') fail(`expected a comparator (= != < > <= >=) after "${t.v}" at position ${cmp.pos}`);
    const value = this.next();
    if (value.t !== 'word' && value.t !== 'string') fail(`expected a value after "${t.v} ${cmp.v}" at position ${value.pos}`);
    return { op: 'cmp', field, cmp: cmp.v, value: convert(field, t.v, cmp.v, value.v) };
  }

  private label(name: string): FilterExpr {
    const key = name.slice(LABELS_PREFIX.length);
    if (!LABEL_KEY.test(key)) fail(`"${name}": a label key must match [a-z][a-z0-9_-]{0,62}`);
    const cmp = this.next();
    if (cmp.t !== 'cmp' || (cmp.v !== '=' && cmp.v !== '!=')) fail(`"${name}" supports only = and !=`);
    const value = this.next();
    if (value.t !== 'word' && value.t !== 'string') fail(`expected a value after "${name} ${cmp.v}" at position ${value.pos}`);
    return { op: 'label', key, cmp: cmp.v, value: value.v };
  }
}

const LABELS_PREFIX = 'metadata.labels.';

function describe(t: Token): string {
  if (t.t === 'end') return 'end of filter';
  if (t.t === 'word' || t.t === 'string' || t.t === 'cmp') return `"${t.v}"`;
  return `"${t.t}"`;
}

function convert(field: FilterField, name: string, cmp: Comparator, raw: string): boolean | string | number {
  const equality = cmp === '=' || cmp === '!=';
  switch (field) {
    case 'done':
    case 'requested_cancellation':
      if (!equality) fail(`"${name}" supports only = and !=`);
      if (raw !== 'true' && raw !== 'false') fail(`"${name}" takes true or false, not "${raw}"`);
      return raw === 'true';
    case 'state': {
      if (!equality) fail(`"${name}" supports only = and !=`);
      const state = raw.toUpperCase() as OperationState;
      if (!STATES.includes(state)) fail(`"${name}" takes one of ${STATES.join(', ')}, not "${raw}"`);
      return state;
    }
    case 'kind': {
      if (!equality) fail(`"${name}" supports only = and !=`);
      return raw.startsWith('kinds/') ? raw.slice('kinds/'.length) : raw;
    }
    case 'create_time': {
      const ms = parseRfc3339(raw);
      if (ms === undefined) fail(`"${name}" takes an RFC 3339 timestamp such as "2026-01-02T15:04:05Z", not "${raw}"`);
      return ms;
    }
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

export function parseRfc3339(text: string): number | undefined {
  if (!RFC3339.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Parses a ListOperations filter; empty → null (everything). */
export function parseFilter(text: string): FilterExpr | null {
  if (text.length > MAX_FILTER_LENGTH) fail(`longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens = tokenize(text);
  if (tokens.length === 1) return null;
  return new Parser(tokens).parse();
}
