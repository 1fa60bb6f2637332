/**
 * The store's query type: what ListOperations (and batch cancel by filter) asks a store for. The filter's
 * syntax tree lives here, below the parser (operations/filter.ts produces it) and the stores (which
 * compile it to SQL), so neither imports the other.
 */
export type FilterField = 'done' | 'state' | 'kind' | 'create_time' | 'requested_cancellation';
export type Comparator = '=' | '!=' | '<' | '>' | '<=' | '>=';

export type FilterExpr =
  | { op: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { op: 'not'; expr: FilterExpr }
  | { op: 'cmp'; field: FilterField; cmp: Comparator; value: boolean | string | number }
  /** `metadata.labels.KEY = "v"`: the operation has that label with that value (`!=`: it does not). */
  | { op: 'label'; key: string; cmp: '=' | '!='; value: string };

export interface ListQuery {
  filter: FilterExpr | null;
  /** Newest first: only records whose id sorts before this one. */
  beforeId: string | null;
  limit: number;
  /** Only this principal's records; absent: everyone's (no authentication, or an administrator). */
  principal?: string;
}
