/** google.rpc.Code, by number and by name. */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type CodeName = keyof typeof Code;
export type CodeNumber = (typeof Code)[CodeName];

const names = new Map<number, CodeName>(
  (Object.entries(Code) as [CodeName, number][]).map(([name, n]) => [n, name]),
);

export function codeName(code: number): CodeName {
  return names.get(code) ?? 'UNKNOWN';
}

export function isCode(n: unknown): n is CodeNumber {
  return typeof n === 'number' && names.has(n);
}
