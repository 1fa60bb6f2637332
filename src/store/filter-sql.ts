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
 * Newest first, keyset-paged on the time-ordered id (never OFFSET). `columns` and `offset` (placeholders
 * start at `offset + 1`) let the query be a part of a larger statement.
 */
export function compileListQuery(
  query: ListQuery,
  dialect: SqlDialect,
  table: string,
  labelsTable: string,
  { columns = '*', offset = 0 }: { columns?: string; offset?: number } = {},
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where: string[] = [];
  if (query.principal !== undefined) {
    // Served with the id order by the (principal, id) index.
    values.push(query.principal);
    where.push(`principal = ${dialect.param(offset + values.length)}`);
  }
  if (query.filter) where.push(compileFilter(query.filter, dialect, values, labelsTable, offset));
  if (query.beforeId) {
    values.push(query.beforeId);
    where.push(`id < ${dialect.param(offset + values.length)}`);
  }
  values.push(query.limit);
  const condition = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return { text: `SELECT ${columns} FROM ${table} ${condition} ORDER BY id DESC LIMIT ${dialect.param(offset + values.length)}`, values };
}
