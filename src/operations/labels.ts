/**
 * Operation labels (API.md, "Labels and sessions"): keys `[a-z][a-z0-9_-]{0,62}`, values of at most 63
 * characters, at most 64 labels. A client session puts `session=<id>` on everything it starts.
 */
import { invalidArgument } from '../errors/api-error.js';
import { Reason } from '../errors/reasons.js';

export const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
export const MAX_LABEL_VALUE = 63;
export const MAX_LABELS = 64;

/** The labels of a request, checked; INVALID_ARGUMENT (reason INVALID_LABELS) names the first bad one. */
export function validateLabels(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidArgument('labels must be a map of strings', Reason.INVALID_LABELS, { field: 'labels' });
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_LABELS) {
    throw invalidArgument(`at most ${MAX_LABELS} labels, not ${entries.length}`, Reason.INVALID_LABELS, { field: 'labels' });
  }
  const labels: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) {
      throw invalidArgument(`label key ${JSON.stringify(key.slice(0, 100))} must match [a-z][a-z0-9_-]{0,62}`, Reason.INVALID_LABELS, {
        field: 'labels',
      });
    }
    if (typeof value !== 'string' || [...value].length > MAX_LABEL_VALUE) {
      throw invalidArgument(`label ${key} must be a string of at most ${MAX_LABEL_VALUE} characters`, Reason.INVALID_LABELS, {
        field: `labels.${key}`,
      });
    }
    labels[key] = value;
  }
  return labels;
}
