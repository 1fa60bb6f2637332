/**
 * The run's rows: each figure with its baseline, ratio and goal. A goal is either a ratio against a
 * baseline of the same run (`ratio`) or a latency / size (`value`); `met` is null when the figure could
 * not be taken (a peer or a service missing), and the row then says why in words.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Machine } from './machine.js';

export interface GoalResult {
  ratio?: number;
  value?: number;
  unit?: string;
  /** The goal as a number: a least ratio, or a greatest value (or ratio, with `atMost`). */
  goal: number;
  atMost?: boolean;
  met: boolean | null;
}

export interface Row {
  scenario: string;
  figure: string;
  baseline: string;
  ratio: string;
  goal: string;
  met: string;
  /** The key of this row's entry in `goals`, when it has one. */
  key?: string;
}

export interface Results {
  rows: Row[];
  goals: Record<string, GoalResult>;
  /** Raw numbers per scenario (every repetition), for whoever wants more than the table. */
  measurements: Record<string, unknown>;
}

export function createResults(): Results {
  return { rows: [], goals: {}, measurements: {} };
}

const fmtRatio = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '—');
const metText = (met: boolean | null) => (met === null ? 'n/a' : met ? 'yes' : 'NO');

/** A ratio figure/baseline that must be at least `goal` (or at most, with atMost). */
export function addRatio(
  results: Results,
  args: { scenario: string; key: string; figure: string; baseline: string; ratio: number; goal: number; atMost?: boolean; broken?: boolean },
): void {
  const met = args.broken ? false : Number.isFinite(args.ratio) ? (args.atMost ? args.ratio <= args.goal : args.ratio >= args.goal) : null;
  results.goals[args.key] = { ratio: round(args.ratio), goal: args.goal, ...(args.atMost ? { atMost: true } : {}), met };
  results.rows.push({
    scenario: args.scenario,
    figure: args.figure,
    baseline: args.baseline,
    ratio: fmtRatio(args.ratio),
    goal: `${args.atMost ? '≤' : '≥'} ${args.goal}×`,
    met: metText(met),
    key: args.key,
  });
}

/** A value (latency, memory) that must be at most `goal`. `broken`: the run saw a wrong outcome, so the goal is missed whatever the figure. */
export function addValue(
  results: Results,
  args: { scenario: string; key: string; figure: string; baseline?: string; value: number; unit: string; goal: number; goalText?: string; broken?: boolean },
): void {
  const met = args.broken ? false : Number.isFinite(args.value) ? args.value <= args.goal : null;
  results.goals[args.key] = { value: round(args.value), unit: args.unit, goal: args.goal, atMost: true, met };
  results.rows.push({
    scenario: args.scenario,
    figure: args.figure,
    baseline: args.baseline ?? '—',
    ratio: '—',
    goal: args.goalText ?? `≤ ${args.goal} ${args.unit}`,
    met: metText(met),
    key: args.key,
  });
}

/** A goal that could not be measured in this run, with the reason in words. */
export function addSkipped(results: Results, args: { scenario: string; key: string; goal: string; goalValue: number; why: string }): void {
  results.goals[args.key] = { goal: args.goalValue, met: null };
  results.rows.push({ scenario: args.scenario, figure: `not measured: ${args.why}`, baseline: '—', ratio: '—', goal: args.goal, met: 'n/a', key: args.key });
}

/** A figure without a goal of its own (a peer's, or context for a goal row). */
export function addInfo(results: Results, args: { scenario: string; figure: string; baseline?: string; ratio?: number }): void {
  results.rows.push({
    scenario: args.scenario,
    figure: args.figure,
    baseline: args.baseline ?? '—',
    ratio: args.ratio === undefined ? '—' : fmtRatio(args.ratio),
    goal: '—',
    met: '—',
  });
}

export function formatTable(rows: Row[]): string {
  const header: Row = { scenario: 'scenario', figure: 'figure', baseline: 'baseline', ratio: 'ratio', goal: 'goal', met: 'met' };
  const cols = ['scenario', 'figure', 'baseline', 'ratio', 'goal', 'met'] as const;
  const all = [header, ...rows];
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...all.map((r) => r[c].length))])) as Record<(typeof cols)[number], number>;
  const line = (r: Row) => `| ${cols.map((c) => r[c].padEnd(width[c])).join(' | ')} |`;
  const rule = `|${cols.map((c) => '-'.repeat(width[c] + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function writeResults(path: string, doc: { machine: Machine; options: object; startedAt: string; finishedAt: string; results: Results }): void {
  mkdirSync(dirname(path), { recursive: true });
  const { machine, options, startedAt, finishedAt, results } = doc;
  const body = { machine, options, startedAt, finishedAt, goals: results.goals, rows: results.rows, measurements: results.measurements };
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`);
}

function round(n: number): number {
  return Number.isFinite(n) ? Math.round(n * 1000) / 1000 : n;
}

/** 12,345 */
export function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}

/** Milliseconds with two decimals below 10, one below 1,000, else seconds. */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return n < 10 ? `${n.toFixed(2)} ms` : n < 1000 ? `${n.toFixed(1)} ms` : `${(n / 1000).toFixed(2)} s`;
}
