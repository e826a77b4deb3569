// A real, throwaway Prometheus for the end-to-end tests: a temp dir with prometheus.yml and the
// operations kit's rules (every `for:` cut to a few seconds), scraping one target every second on a
// loopback port; queried through its HTTP API and stopped by pid.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort, poll } from './ops-tools.ts';
import { RULES_FILE } from './prometheus-rule-crd.ts';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

export interface PrometheusHandle {
  readonly url: string;
  readonly logs: () => string;
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  query(q: string): Promise<Sample[]>;
  /** Alerts of that name currently pending or firing. */
  alerts(name: string): Promise<PromAlert[]>;
  stop(): Promise<void>;
}

/** The rules file with every `for:` replaced, so a test need not wait minutes. */
export function rulesWithFor(forDuration: string): string {
  const rules = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: { for?: string }[] }[] };
  for (const g of rules.groups) for (const r of g.rules) if (r.for) r.for = forDuration;
  return stringify(rules);
}

/** Scrape jobs: job name -> its targets (host:port). */
export type Jobs = Record<string, readonly string[]>;

function config(jobs: Jobs, extra: readonly object[]): string {
  return stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '900ms' },
    rule_files: ['rules.yaml'],
    scrape_configs: [
      ...Object.entries(jobs).map(([job, targets]) => ({
        job_name: job,
        static_configs: [{ targets: [...targets] }],
      })),
      ...extra,
    ],
  });
}

/** Starts Prometheus in `dir` (which must exist) scraping the given jobs. */
export async function startPrometheus(
  dir: string,
  jobs: Jobs,
  forDuration = '3s',
  /** Scrape configs as written in prometheus.yml (e.g. the shipped /probe jobs), added to `jobs`. */
  extraScrapeConfigs: readonly object[] = [],
): Promise<PrometheusHandle> {
  writeFileSync(join(dir, 'rules.yaml'), rulesWithFor(forDuration));
  writeFileSync(join(dir, 'prometheus.yml'), config(jobs, extraScrapeConfigs));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let logs = '';
  const proc: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  proc.stdout!.on('data', (b: Buffer) => (logs += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (logs += b.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  };
  const handle: PrometheusHandle = {
    url,
    logs: () => logs,
    api,
    query: async (q) => (await api<{ result: Sample[] }>('query', { query: q })).result,
    alerts: async (name) =>
      (await api<{ alerts: PromAlert[] }>('alerts')).alerts.filter((a) => a.labels.alertname === name),
    async stop() {
      if (proc.pid && proc.exitCode === null && proc.signalCode === null) {
        process.kill(proc.pid, 'SIGTERM');
        await exited;
      }
    },
  };
  try {
    await poll('Prometheus to be ready', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined));
  } catch (err) {
    await handle.stop();
    throw new Error(`${err}\n${logs}`);
  }
  return handle;
}
