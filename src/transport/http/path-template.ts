/**
 * google.api.HttpRule path templates: parsing (once, at start-up) and matching (per request).
 *
 *   Template = "/" Segments [ Verb ] ;   Segments = Segment { "/" Segment } ;
 *   Segment  = "*" | "**" | LITERAL | Variable ;   Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *   Verb     = ":" LITERAL ;
 *
 * Decoding follows HttpRule: a single-segment variable is fully percent-decoded; a multi-segment one
 * (`{name=operations/**}`) is decoded except `%2F`, which stays encoded so a name can never gain a
 * segment it did not have on the wire. The verb is what follows the last `:` of the final segment.
 */

export type TemplateSegment = { kind: 'literal'; value: string } | { kind: 'single' } | { kind: 'multi' };

export interface TemplateVariable {
  /** The field path as written in the template (proto names), e.g. `['name']` or `['parent', 'id']`. */
  fieldPath: string[];
  /** Range of `segments` the variable covers: [start, end). */
  start: number;
  end: number;
  /** More than one segment or a `**`: keeps `%2F` encoded. */
  multiSegment: boolean;
}

export interface PathTemplate {
  source: string;
  segments: TemplateSegment[];
  variables: TemplateVariable[];
  verb: string | undefined;
  /** Specificity per segment (literal 0, `*` 1, `**` 2): lower wins when several templates match. */
  rank: number[];
}

/** A request path split once: raw (still encoded) segments, fully decoded ones, and the decoded verb. */
export interface SplitPath {
  raw: string[];
  decoded: string[];
  verb: string | undefined;
}

/** Variable bindings of a match: field path (dotted, as in the template) → decoded value. */
export type Bindings = Array<{ fieldPath: string[]; value: string }>;

export class PathTemplateError extends Error {
  constructor(source: string, problem: string) {
    super(`invalid HttpRule path template ${JSON.stringify(source)}: ${problem}`);
    this.name = 'PathTemplateError';
  }
}

const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const LITERAL = /^[^/{}*:=]+$/;

/** Indexes of `ch` outside `{…}` in `text`. */
function topLevelIndexes(text: string, ch: string): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ch && depth === 0) out.push(i);
  }
  return out;
}

function parseSegment(source: string, text: string): TemplateSegment {
  if (text === '*') return { kind: 'single' };
  if (text === '**') return { kind: 'multi' };
  if (!LITERAL.test(text)) throw new PathTemplateError(source, `bad segment ${JSON.stringify(text)}`);
  return { kind: 'literal', value: text };
}

export function parsePathTemplate(source: string): PathTemplate {
  if (!source.startsWith('/')) throw new PathTemplateError(source, 'must start with "/"');
  let path = source.slice(1);
  let verb: string | undefined;
  const colons = topLevelIndexes(path, ':');
  const slashes = topLevelIndexes(path, '/');
  const lastColon = colons[colons.length - 1];
  if (lastColon !== undefined && lastColon > (slashes[slashes.length - 1] ?? -1)) {
    verb = path.slice(lastColon + 1);
    path = path.slice(0, lastColon);
    if (!LITERAL.test(verb)) throw new PathTemplateError(source, `bad verb ${JSON.stringify(verb)}`);
  }
  const segments: TemplateSegment[] = [];
  const variables: TemplateVariable[] = [];
  let start = 0;
  for (const end of [...topLevelIndexes(path, '/'), path.length]) {
    const text = path.slice(start, end);
    start = end + 1;
    if (text.startsWith('{')) {
      if (!text.endsWith('}') || text.indexOf('{', 1) !== -1) throw new PathTemplateError(source, `bad variable ${JSON.stringify(text)}`);
      const inner = text.slice(1, -1);
      const eq = inner.indexOf('=');
      const field = eq === -1 ? inner : inner.slice(0, eq);
      if (!FIELD_PATH.test(field)) throw new PathTemplateError(source, `bad field path ${JSON.stringify(field)}`);
      if (variables.some((v) => v.fieldPath.join('.') === field)) throw new PathTemplateError(source, `field ${field} bound twice`);
      const sub = eq === -1 ? ['*'] : inner.slice(eq + 1).split('/');
      const first = segments.length;
      for (const s of sub) segments.push(parseSegment(source, s));
      variables.push({
        fieldPath: field.split('.'),
        start: first,
        end: segments.length,
        multiSegment: sub.length > 1 || sub.includes('**'),
      });
    } else {
      segments.push(parseSegment(source, text));
    }
  }
  const multi = segments.findIndex((s) => s.kind === 'multi');
  if (multi !== -1 && multi !== segments.length - 1) throw new PathTemplateError(source, '"**" must be the last segment');
  const rank = segments.map((s) => (s.kind === 'literal' ? 0 : s.kind === 'single' ? 1 : 2));
  return { source, segments, variables, verb, rank };
}

/** Negative when `a` is more specific than `b`. A template that ends earlier beats a `**` matching nothing. */
export function compareSpecificity(a: PathTemplate, b: PathTemplate): number {
  for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
    const d = (a.rank[i] ?? -1) - (b.rank[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Splits a request path (without its query). Undefined when it does not start with "/" or holds a
 * malformed percent-escape; the caller answers 400 then, since no template could bind it reliably.
 */
export function splitPath(rawPath: string): SplitPath | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  const raw = rawPath.slice(1).split('/');
  let verb: string | undefined;
  const last = raw[raw.length - 1]!;
  const colon = last.lastIndexOf(':');
  if (colon !== -1) {
    verb = decodeOrUndefined(last.slice(colon + 1));
    if (verb === undefined) return undefined;
    raw[raw.length - 1] = last.slice(0, colon);
  }
  const decoded: string[] = [];
  for (const segment of raw) {
    const d = decodeOrUndefined(segment);
    if (d === undefined) return undefined;
    decoded.push(d);
  }
  return { raw, decoded, verb };
}

/** Multi-segment decoding: everything but `%2F`, which must stay a character of the value, not a separator. */
function decodeMultiSegment(raw: string): string {
  return decodeURIComponent(raw.replace(/%2F/gi, (m) => `%25${m.slice(1)}`));
}

/** The variable bindings when `path` matches `template`, else undefined. Empty segments never match. */
export function matchTemplate(template: PathTemplate, path: SplitPath): Bindings | undefined {
  if (template.verb !== path.verb) return undefined;
  const { segments } = template;
  const endsWithMulti = segments[segments.length - 1]?.kind === 'multi';
  const fixed = endsWithMulti ? segments.length - 1 : segments.length;
  if (endsWithMulti ? path.raw.length < fixed : path.raw.length !== fixed) return undefined;
  for (let i = 0; i < path.raw.length; i++) {
    if (path.raw[i] === '') return undefined;
    const s = segments[Math.min(i, segments.length - 1)]!;
    if (s.kind === 'literal' && i < fixed && s.value !== path.decoded[i]) return undefined;
  }
  const bindings: Bindings = [];
  for (const v of template.variables) {
    const end = v.end === segments.length ? path.raw.length : v.end;
    const value = v.multiSegment ? decodeMultiSegment(path.raw.slice(v.start, end).join('/')) : path.decoded[v.start]!;
    bindings.push({ fieldPath: v.fieldPath, value });
  }
  return bindings;
}
