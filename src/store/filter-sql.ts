/** ListOperations as SQL: the filter condition and the keyset-paged query; both stores use the same columns. */
import type { FilterExpr, ListQuery } from './query.js';

export interface SqlDialect {
  /** The placeholder for the n-th parameter (1-based). */
  param(n: number): string;
  bool(value: boolean): unknown;
}

const COLUMNS = {
  done: 'done',
  state: 'state',
  kind: 'kind',
  create_time: 'create_time',
  requested_cancellation: 'requested_cancellation',
} as const;

const SQL_CMP = { '=': '=', '!=': '<>', '<': '<', '>': '>', '<=': '<=', '>=': '>=' } as const;

/** Appends to `params` and returns the condition text; placeholders are numbered from `offset + 1`. */
export function compileFilter(expr: FilterExpr, dialect: SqlDialect, params: unknown[], labelsTable: string, offset = 0): string {
  const param = () => dialect.param(offset + params.length);
  switch (expr.op) {
    case 'and':
    case 'or':
      return `(${compileFilter(expr.left, dialect, params, labelsTable, offset)} ${expr.op.toUpperCase()} ${compileFilter(expr.right, dialect, params, labelsTable, offset)})`;
    case 'not':
      return `(NOT ${compileFilter(expr.expr, dialect, params, labelsTable, offset)})`;
    case 'label': {
      params.push(expr.key);
      const key = param();
      params.push(expr.value);
      const value = param();
      // The label table's primary key (key, value, operation_id) serves this as an index range.
      return `id ${expr.cmp === '=' ? 'IN' : 'NOT IN'} (SELECT operation_id FROM ${labelsTable} WHERE key = ${key} AND value = ${value})`;
    }
    case 'cmp': {
      params.push(typeof expr.value === 'boolean' ? dialect.bool(expr.value) : expr.value);
      return `${COLUMNS[expr.field]} ${SQL_CMP[expr.cmp]} ${param()}`;
    }
  }
}

/**
 * A positive label comparison that every match must satisfy (one of the terms of a top-level AND), and
 * the rest of the filter: such a label can drive the query from the labels' index.
 */
function splitDriver(expr: FilterExpr): { driver: Extract<FilterExpr, { op: 'label' }>; rest: FilterExpr | null } | undefined {
  if (expr.op === 'label' && expr.cmp === '=') return { driver: expr, rest: null };
  if (expr.op !== 'and') return undefined;
  const left = splitDriver(expr.left);
  if (left) return { driver: left.driver, rest: left.rest ? { op: 'and', left: left.rest, right: expr.right } : expr.right };
  const right = splitDriver(expr.right);
  if (right) return { driver: right.driver, rest: right.rest ? { op: 'and', left: expr.left, right: right.rest } : expr.left };
  return undefined;
}

/**
 * Newest first, keyset-paged on the time-ordered id (never OFFSET). `columns` and `offset` (placeholders
 * start at `offset + 1`) let the query be a part of a larger statement.
 *
 * A filter that requires a label value (`metadata.labels.session = "x"`, alone or ANDed with others) walks
 * that label's index entries newest first and joins the records: as fast for a label on half the
 * operations as for one on a hundred, where `id IN (…)` would first gather every match.
 */
export function compileListQuery(
  query: ListQuery,
  dialect: SqlDialect,
  table: string,
  labelsTable: string,
  { columns = '*', offset = 0 }: { columns?: string; offset?: number } = {},
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = () => dialect.param(offset + values.length);
  const split = query.filter ? splitDriver(query.filter) : undefined;
  if (split) {
    values.push(split.driver.key);
    const key = param();
    values.push(split.driver.value);
    const value = param();
    const where = [`l.key = ${key}`, `l.value = ${value}`];
    if (query.principal !== undefined) {
      values.push(query.principal);
      where.push(`o.principal = ${param()}`);
    }
    if (split.rest) where.push(compileFilter(split.rest, dialect, values, labelsTable, offset));
    if (query.beforeId) {
      values.push(query.beforeId);
      where.push(`l.operation_id < ${param()}`);
    }
    values.push(query.limit);
    const selected = columns === '*' ? 'o.*' : columns.split(',').map((c) => `o.${c.trim()}`).join(', ');
    return {
      // CROSS JOIN: SQLite then walks the labels first (else a filter such as `done = false` can make it walk
      // every record and probe the labels); PostgreSQL plans it as any join.
      text: `SELECT ${selected} FROM ${labelsTable} l CROSS JOIN ${table} o WHERE o.id = l.operation_id AND ${where.join(' AND ')} ORDER BY l.operation_id DESC LIMIT ${param()}`,
      values,
    };
  }
  const where: string[] = [];
  if (query.principal !== undefined) {
    // Served with the id order by the (principal, id) index.
    values.push(query.principal);
    where.push(`principal = ${param()}`);
  }
  if (query.filter) where.push(compileFilter(query.filter, dialect, values, labelsTable, offset));
  if (query.beforeId) {
    values.push(query.beforeId);
    where.push(`id < ${param()}`);
  }
  values.push(query.limit);
  const condition = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return { text: `SELECT ${columns} FROM ${table} ${condition} ORDER BY id DESC LIMIT ${param()}`, values };
}
