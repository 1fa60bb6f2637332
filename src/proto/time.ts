/** google.protobuf.Timestamp / Duration in object form <-> milliseconds. */
export interface TimestampMessage {
  seconds: string | number;
  nanos: number;
}
export type DurationMessage = TimestampMessage;

export function toTimestamp(ms: number): TimestampMessage {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function toDuration(ms: number): DurationMessage {
  const seconds = Math.trunc(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** Milliseconds of a Duration; NaN when it is not a valid Duration (nanos out of range or sign mismatch). */
export function durationToMs(d: DurationMessage): number {
  const seconds = Number(d.seconds);
  const nanos = Number(d.nanos ?? 0);
  if (!Number.isFinite(seconds) || !Number.isInteger(nanos) || Math.abs(nanos) > 999_999_999) return NaN;
  if ((seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) return NaN;
  return seconds * 1000 + nanos / 1e6;
}

const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "1.5s", "500ms", "2m", "1h", "30d" or a plain number of milliseconds (config and kind definitions). */
export function parseDurationText(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * DURATION_UNIT_MS[m[2] ?? 'ms']!;
}
