/** How the `lro` command shows things to people (`--json` prints proto3 JSON instead). */
import type { CancelResult, Kind, Operation } from '../client/index.js';

/** Columns padded to their widest cell; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** `RUNNING 40% step 4 of 10`, `SUCCEEDED`, `CANCELLED (CANCELLED_WHILE_RUNNING)`. */
export function stateText(op: Operation): string {
  const m = op.metadata;
  if (op.done) {
    const reason = op.error?.reason ? ` (${op.error.reason})` : '';
    return `${m.state}${reason}`;
  }
  const parts: string[] = [m.state];
  if (m.state === 'RUNNING') parts.push(`${m.progressPercent}%`);
  if (m.statusMessage) parts.push(m.statusMessage);
  if (m.requestedCancellation) parts.push('(cancel requested)');
  return parts.join(' ');
}

export function labelsText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function operationDetails(op: Operation): string {
  const m = op.metadata;
  const lines: [string, string][] = [
    ['name', op.name],
    ['kind', m.kind],
    ['state', `${m.state}${op.error?.reason ? ` (${op.error.reason})` : ''}`],
    ['progress', `${m.progressPercent}%${m.statusMessage ? ` ${m.statusMessage}` : ''}`],
    ['cancellable', m.cancellable ? 'yes' : 'no'],
    ['cancel requested', m.requestedCancellation ? 'yes' : 'no'],
    ['attempt', String(m.attempt)],
  ];
  if (m.createTime) lines.push(['created', m.createTime]);
  if (m.startTime) lines.push(['started', m.startTime]);
  if (m.endTime) lines.push(['ended', m.endTime]);
  if (Object.keys(m.labels).length) lines.push(['labels', labelsText(m.labels)]);
  if (op.response) lines.push(['result', JSON.stringify(op.response)]);
  if (op.error) lines.push(['error', errorText(op)]);
  return table(lines.map(([k, v]) => [`${k}:`, v]));
}

export function errorText(op: Operation): string {
  const e = op.error;
  if (!e) return '';
  return `${e.codeName} (${e.code})${e.reason ? ` ${e.reason}` : ''}: ${e.message}`;
}

export function operationsTable(ops: Operation[]): string {
  return table([
    ['NAME', 'KIND', 'STATE', 'CREATED', 'LABELS'],
    ...ops.map((op) => [op.name, op.metadata.kind, stateText(op), op.metadata.createTime ?? '', labelsText(op.metadata.labels)]),
  ]);
}

export function kindsTable(kinds: Kind[]): string {
  return table([
    ['NAME', 'CANCELLABLE', 'TIMEOUT', 'ATTEMPTS', 'DESCRIPTION'],
    ...kinds.map((k) => [k.name, k.cancellable ? 'yes' : 'no', k.timeout, String(k.maxAttempts), k.description]),
  ]);
}

/** One line per operation of `cancel` / `delete`: the name, then `cancelled` / `deleted` or the failure. */
export function outcomeLine(row: CancelResult, success: string): string {
  if (row.ok) return `${row.name}  ${success}`;
  return `${row.name}  ${row.codeName}${row.reason && row.reason !== row.codeName ? ` ${row.reason}` : ''}${row.message ? `: ${row.message}` : ''}`;
}
