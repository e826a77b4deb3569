// Formats one size's figures as a markdown table (ours beside the baseline and the goal) for stdout
// and the README. A step that failed or is missing shows "n/a" with the reason, never a number.

export interface Row {
  readonly figure: string;
  readonly ours: string;
  readonly baseline: string;
  readonly goal: string;
  /** 'met', 'missed' or '' (no goal). */
  readonly status: string;
}

export type Step<T> = { ok: true; value: T } | { ok: false; error: string };

export const na = (why: string) => `n/a (${why})`;

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 0.1) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 10_000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export const fmtNum = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

export function goal(met: boolean | null): string {
  return met === null ? '' : met ? 'met' : 'missed';
}

export function table(title: string, rows: readonly Row[]): string {
  const lines = [
    `### ${title}`,
    '',
    '| figure | ours | baseline | goal | status |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.figure} | ${r.ours} | ${r.baseline} | ${r.goal} | ${r.status} |`),
  ];
  return lines.join('\n');
}
