/** Compiles a parsed ListOperations filter into a SQL condition; both stores use the same columns. */
import type { FilterExpr } from '../operations/filter.js';

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
