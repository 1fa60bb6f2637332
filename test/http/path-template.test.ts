import { describe, expect, it } from 'vitest';
import { compareSpecificity, matchTemplate, parsePathTemplate, PathTemplateError, splitPath } from '../../src/transport/http/path-template.js';

const match = (template: string, path: string) => {
  const split = splitPath(path);
  if (!split) throw new Error(`malformed path ${path}`);
  const bindings = matchTemplate(parsePathTemplate(template), split);
  return bindings && Object.fromEntries(bindings.map((b) => [b.fieldPath.join('.'), b.value]));
};

describe('parsePathTemplate', () => {
  it('parses literals, wildcards, variables and the verb', () => {
    const t = parsePathTemplate('/v1/{name=operations/**}:cancel');
    expect(t.segments).toEqual([{ kind: 'literal', value: 'v1' }, { kind: 'literal', value: 'operations' }, { kind: 'multi' }]);
    expect(t.variables).toEqual([{ fieldPath: ['name'], start: 1, end: 3, multiSegment: true }]);
    expect(t.verb).toBe('cancel');
  });

  it('treats {var} as {var=*} (single segment)', () => {
    const t = parsePathTemplate('/v1/operations/{name}');
    expect(t.variables).toEqual([{ fieldPath: ['name'], start: 2, end: 3, multiSegment: false }]);
    expect(t.verb).toBeUndefined();
  });

  it('reads nested field paths and several variables', () => {
    const t = parsePathTemplate('/v1/{parent.id=projects/*}/items/{item_id}');
    expect(t.variables.map((v) => v.fieldPath)).toEqual([['parent', 'id'], ['item_id']]);
    expect(t.variables[0]!.multiSegment).toBe(true);
  });

  it('does not take a colon inside a variable for the verb', () => {
    expect(parsePathTemplate('/v1/{name=a/*}').verb).toBeUndefined();
    expect(parsePathTemplate('/v1/*:do').verb).toBe('do');
  });

  it.each([
    ['v1/x', 'must start'],
    ['/v1/**/x', 'last segment'],
    ['/v1/{name', 'bad'],
    ['/v1/{na-me}', 'field path'],
    ['/v1/{a}/{a}', 'twice'],
    ['/v1//x', 'bad segment'],
    ['/v1/x:', 'bad verb'],
    ['/v1/{a={b}}', 'bad variable'],
  ])('rejects %s', (source, problem) => {
    expect(() => parsePathTemplate(source)).toThrow(PathTemplateError);
    expect(() => parsePathTemplate(source)).toThrow(problem);
  });
});

describe('splitPath', () => {
  it('splits the verb at the last colon of the final segment only', () => {
    expect(splitPath('/v1/a:b/c:d:e')).toEqual({ raw: ['v1', 'a:b', 'c:d'], decoded: ['v1', 'a:b', 'c:d'], verb: 'e' });
  });

  it('does not take an encoded colon for a verb', () => {
    expect(splitPath('/v1/a%3Ab')).toEqual({ raw: ['v1', 'a%3Ab'], decoded: ['v1', 'a:b'], verb: undefined });
  });

  it('refuses malformed escapes and relative paths', () => {
    expect(splitPath('/v1/%zz')).toBeUndefined();
    expect(splitPath('/v1/%E0%A4')).toBeUndefined();
    expect(splitPath('/v1/x:%zz')).toBeUndefined();
    expect(splitPath('v1/x')).toBeUndefined();
  });
});

describe('matchTemplate', () => {
  it('binds a multi-segment variable, keeping %2F encoded and decoding the rest', () => {
    expect(match('/v1/{name=operations/**}', '/v1/operations/abc')).toEqual({ name: 'operations/abc' });
    expect(match('/v1/{name=operations/**}', '/v1/operations/a/b/c')).toEqual({ name: 'operations/a/b/c' });
    expect(match('/v1/{name=operations/**}', '/v1/operations/a%2Fb%2fc')).toEqual({ name: 'operations/a%2Fb%2fc' });
    expect(match('/v1/{name=operations/**}', '/v1/operations/caf%C3%A9%20x')).toEqual({ name: 'operations/café x' });
    expect(match('/v1/{name=operations/**}', '/v1/operations/100%25')).toEqual({ name: 'operations/100%' });
  });

  it('fully decodes a single-segment variable, %2F included', () => {
    expect(match('/v1/operations/{name}', '/v1/operations/operations%2Fabc')).toEqual({ name: 'operations/abc' });
    expect(match('/v1/{name=kinds/*}', '/v1/kinds/demo%2Esleep')).toEqual({ name: 'kinds/demo.sleep' });
  });

  it('lets ** match zero segments', () => {
    expect(match('/v1/{name=operations/**}', '/v1/operations')).toEqual({ name: 'operations' });
  });

  it('requires the verb to be equal, and absent when the template has none', () => {
    expect(match('/v1/{name=operations/**}:cancel', '/v1/operations/x:cancel')).toEqual({ name: 'operations/x' });
    expect(match('/v1/{name=operations/**}:cancel', '/v1/operations/x:wait')).toBeUndefined();
    expect(match('/v1/{name=operations/**}:cancel', '/v1/operations/x')).toBeUndefined();
    expect(match('/v1/{name=operations/**}', '/v1/operations/x:cancel')).toBeUndefined();
    expect(match('/v1/{name=operations/**}:cancel', '/v1/operations/x%3Acancel')).toBeUndefined();
  });

  it('matches literals after decoding and never matches empty segments', () => {
    expect(match('/v1/kinds', '/v1/kind%73')).toEqual({});
    expect(match('/v1/kinds', '/v1/kinds/')).toBeUndefined();
    expect(match('/v1/{name=operations/**}', '/v1/operations//x')).toBeUndefined();
    expect(match('/v1/{name=operations/**}', '/v1/operations/x/')).toBeUndefined();
    expect(match('/v1/{name=kinds/*}', '/v1/kinds/')).toBeUndefined();
    expect(match('/v1/*', '/')).toBeUndefined();
  });

  it('requires the exact number of segments without **', () => {
    expect(match('/v1/{name=kinds/*}', '/v1/kinds/a/b')).toBeUndefined();
    expect(match('/v1/{name=kinds/*}', '/v1/kinds')).toBeUndefined();
    expect(match('/v1/{name=operations}', '/v1/operations/x')).toBeUndefined();
  });

  it('binds several variables in order', () => {
    expect(match('/v1/{parent=projects/*}/items/{id}:do', '/v1/projects/p%201/items/i%2F2:do')).toEqual({ parent: 'projects/p 1', id: 'i/2' });
  });
});

describe('compareSpecificity', () => {
  const sorted = (...sources: string[]) =>
    sources
      .map(parsePathTemplate)
      .sort(compareSpecificity)
      .map((t) => t.source);

  it('puts literals before * before **, and a template that ends before a ** that matches nothing', () => {
    expect(sorted('/v1/{name=operations/**}', '/v1/operations/{name}', '/v1/{name=operations}')).toEqual([
      '/v1/{name=operations}',
      '/v1/operations/{name}',
      '/v1/{name=operations/**}',
    ]);
    expect(sorted('/v1/*', '/v1/kinds')).toEqual(['/v1/kinds', '/v1/*']);
  });
});
