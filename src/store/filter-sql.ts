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

/** Appends to `params` and returns the condition text. */
export function compileFilter(expr: FilterExpr, dialect: SqlDialect, params: unknown[]): string {
  switch (expr.op) {
    case 'and':
    case 'or':
      return `(${compileFilter(expr.left, dialect, params)} ${expr.op.toUpperCase()} ${compileFilter(expr.right, dialect, params)})`;
    case 'not':
      return `(NOT ${compileFilter(expr.expr, dialect, params)})`;
    case 'cmp': {
      params.push(typeof expr.value === 'boolean' ? dialect.bool(expr.value) : expr.value);
      return `${COLUMNS[expr.field]} ${SQL_CMP[expr.cmp]} ${dialect.param(params.length)}`;
    }
  }
}

/** Newest first, keyset-paged on the time-ordered id (never OFFSET). */
export function compileListQuery(query: ListQuery, dialect: SqlDialect, table: string): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  if (query.filter) where.push(compileFilter(query.filter, dialect, values));
  if (query.beforeId) {
    values.push(query.beforeId);
    where.push(`id < ${dialect.param(values.length)}`);
  }
  values.push(query.limit);
  const condition = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return { text: `SELECT * FROM ${table} ${condition} ORDER BY id DESC LIMIT ${dialect.param(values.length)}`, values };
}
