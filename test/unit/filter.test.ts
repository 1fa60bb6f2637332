import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/api-error.js';
import { parseFilter } from '../../src/operations/filter.js';
import { compileFilter } from '../../src/store/filter-sql.js';

const sqlite = { param: () => '?', bool: (v: boolean) => (v ? 1 : 0) };
const sql = (text: string) => {
  const params: unknown[] = [];
  const expr = parseFilter(text);
  return expr ? { where: compileFilter(expr, sqlite, params, 'labels'), params } : null;
};

describe('parseFilter', () => {
  it('treats an empty or blank filter as everything', () => {
    expect(parseFilter('')).toBeNull();
    expect(parseFilter('   ')).toBeNull();
  });

  it('parses label comparisons into the label table', () => {
    expect(sql('metadata.labels.session = "abc"')).toEqual({
      where: 'id IN (SELECT operation_id FROM labels WHERE key = ? AND value = ?)',
      params: ['session', 'abc'],
    });
    expect(sql('metadata.labels.env != prod AND done = false')).toEqual({
      where: '(id NOT IN (SELECT operation_id FROM labels WHERE key = ? AND value = ?) AND done = ?)',
      params: ['env', 'prod', 0],
    });
    for (const bad of ['metadata.labels.Session = "x"', 'metadata.labels. = "x"', 'metadata.labels.a < "x"', 'metadata.labels.a = ']) {
      expect(() => parseFilter(bad), bad).toThrow(ApiError);
    }
  });

  it('parses each field with its value type', () => {
    expect(sql('done = true')).toEqual({ where: 'done = ?', params: [1] });
    expect(sql('metadata.state = RUNNING')).toEqual({ where: 'state = ?', params: ['RUNNING'] });
    expect(sql('metadata.state != "cancelled"')).toEqual({ where: 'state <> ?', params: ['CANCELLED'] });
    expect(sql('metadata.kind = "kinds/demo.sleep"')).toEqual({ where: 'kind = ?', params: ['demo.sleep'] });
    expect(sql('metadata.kind = demo.hash')).toEqual({ where: 'kind = ?', params: ['demo.hash'] });
    expect(sql('metadata.requested_cancellation = false')).toEqual({ where: 'requested_cancellation = ?', params: [0] });
    expect(sql('metadata.create_time >= "2026-01-02T03:04:05Z"')).toEqual({
      where: 'create_time >= ?',
      params: [Date.UTC(2026, 0, 2, 3, 4, 5)],
    });
    expect(sql('metadata.createTime < 2026-01-02T03:04:05.5+01:00')!.params).toEqual([Date.UTC(2026, 0, 2, 2, 4, 5, 500)]);
  });

  it('gives OR higher precedence than AND, as AIP-160 does', () => {
    expect(sql('done = true AND metadata.kind = a OR metadata.kind = b')!.where).toBe('(done = ? AND (kind = ? OR kind = ?))');
    expect(sql('(done = true AND metadata.kind = a) OR metadata.kind = b')!.where).toBe('((done = ? AND kind = ?) OR kind = ?)');
  });

  it('supports NOT, "-" and juxtaposition as AND', () => {
    expect(sql('NOT done = true')!.where).toBe('(NOT done = ?)');
    expect(sql('-done = true')!.where).toBe('(NOT done = ?)');
    expect(sql('done = true metadata.state = FAILED')!.where).toBe('(done = ? AND state = ?)');
    expect(sql('NOT (done = true OR metadata.state = RUNNING)')!.where).toBe('(NOT (done = ? OR state = ?))');
  });

  it.each([
    ['name = "x"', /unknown field/],
    ['done', /comparator/],
    ['done =', /value/],
    ['done = yes', /true or false/],
    ['done > true', /only = and !=/],
    ['metadata.state = DONE', /one of/],
    ['metadata.create_time > yesterday', /RFC 3339/],
    ['metadata.create_time > "2026-13-45T00:00:00Z"', /RFC 3339/],
    ['(done = true', /"\)"/],
    ['done = true)', /unexpected/],
    ['done = true AND', /expected a field/],
    ['done : true', /comparator/],
    ['metadata.kind = "unterminated', /unterminated/],
    ['done = true; DROP TABLE operations', /unexpected character/],
    ['x'.repeat(3000), /longer than/],
    ['('.repeat(100) + 'done = true' + ')'.repeat(100), /deeply nested/],
  ])('rejects %j with INVALID_ARGUMENT', (text, message) => {
    let error: unknown;
    try {
      parseFilter(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(3);
    expect((error as ApiError).reason).toBe('INVALID_FILTER');
    expect((error as ApiError).message).toMatch(message);
  });
});
