// One status per path (issue 17, item 1): the derivation as a table, then in a real daemon on the demo
// network: ovncp_path_status has exactly one 1 per configured path from the first scrape on (pending
// while the first round runs), paths that cannot run or expand to nothing keep their series and say why,
// and /api/v1/paths, the landing page and `check` use the same statuses.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import type { TraceEngine } from '../../src/engine/types.ts';
import { createLogger } from '../../src/log.ts';
import type { Check } from '../../src/monitor/expand.ts';
import {
  derivePathStatus,
  PATH_STATUSES,
  type PathStatusInfo,
  PathStatusText,
} from '../../src/monitor/path-status.ts';
import type { PathSpec } from '../../src/monitor/paths-config.ts';
import type { CheckOutcome, CheckState } from '../../src/monitor/results.ts';
import { createDaemon, type Daemon } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { cli } from '../helpers/cli.ts';
import { find, parseMetrics } from './metrics-text.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const running: Daemon[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

// One path per status once the first round is done (pg_app has one member: only a self-pair, no check).
const PATHS = `defaults:
  interval: 1h
paths:
  - name: fine
    source_port: web-server-port
    destination: db-server-port
    protocol: tcp
    port: 3306
  - name: violated
    source_port: web-server-port
    destination: app-server-port
    protocol: tcp
    port: 8080
  - name: typo-port
    source_port: vm1-port
    destination: vm9-port
    protocol: tcp
    port: 80
  - name: typo-group
    source_group: pg_nope
    destination: db-server-port
    protocol: tcp
    port: 3306
  - name: self-only
    source_group: pg_app
    destination_group: pg_app
    protocol: tcp
    port: 8080
`;
const EXPECTED = {
  fine: 'ok',
  violated: 'unmet',
  'typo-port': 'error',
  'typo-group': 'error',
  'self-only': 'no_checks',
};

// --- the derivation, as a table ----------------------------------------------------------------------
const spec = { name: 'p', expect: 'reachable' } as unknown as PathSpec;
function state(last: Partial<CheckOutcome> | null): CheckState {
  const check = { key: 'k', path: spec, sourcePort: 'a', destination: 'b' } as unknown as Check;
  const outcome = last && ({ reachable: null, error: null, ...last } as CheckOutcome);
  return { check, last: outcome, lastChange: null, runs: last ? 1 : 0 };
}
const met = state({ reachable: true });
const unmet = state({ reachable: false });
const errored = state({ error: { reason: 'port_not_found', message: 'gone' } });
const notRun = state(null);

describe('derivePathStatus', () => {
  const cases: [
    string,
    boolean,
    Parameters<typeof derivePathStatus>[1],
    CheckState[],
    string,
    string | null,
  ][] = [
    ['all met', true, undefined, [met, met], 'ok', null],
    ['one unmet', true, undefined, [met, unmet], 'unmet', null],
    ['an error beats unmet', true, undefined, [unmet, errored], 'error', 'port_not_found'],
    ['a check not run yet', true, undefined, [met, notRun], 'pending', null],
    ['unmet is known before the round ends', true, undefined, [unmet, notRun], 'unmet', null],
    ['no checks', true, undefined, [], 'no_checks', 'no_checks'],
    ['no checks before the first topology', false, undefined, [], 'pending', null],
    [
      'an expansion problem',
      true,
      { reason: 'group_not_found', message: 'x' },
      [],
      'error',
      'group_not_found',
    ],
  ];
  it.each(cases)('%s', (_name, started, problem, checks, status, reason) => {
    const got = derivePathStatus(started, problem, checks);
    expect(got.status).toBe(status);
    expect(got.reason).toBe(reason);
  });

  it('names the erroring check and counts the others', () => {
    const got = derivePathStatus(true, undefined, [errored, errored]);
    expect(got.message).toBe('a -> b: gone (and 1 more checks)');
  });
});

// --- in the daemon --------------------------------------------------------------------------------
async function startDaemon(pathEngine?: TraceEngine): Promise<Daemon> {
  const topo = file('net.yaml', readFileSync(DEMO_NETWORK_FILE, 'utf8'));
  const settings = resolveSettings(
    { 'paths.file': file('paths.yaml', PATHS), 'topology.file': topo, 'web.listen-address': '127.0.0.1:0' },
    {},
  );
  const daemon = createDaemon(settings, {
    logger: createLogger('fatal', 'json'),
    ...(pathEngine ? { pathEngine: () => pathEngine } : {}),
  });
  running.push(daemon);
  await daemon.start();
  return daemon;
}

async function statuses(d: Daemon): Promise<Record<string, string>> {
  const text = (await d.app.inject('/metrics')).body;
  execFileSync('promtool', ['check', 'metrics'], { input: text });
  const samples = find(parseMetrics(text), 'ovncp_path_status');
  const out: Record<string, string> = {};
  for (const name of Object.keys(EXPECTED)) {
    const mine = samples.filter((s) => s.labels.path === name);
    // kube-state-metrics convention: every status present, exactly one of them 1.
    expect(mine.map((s) => s.labels.status).sort(), name).toEqual([...PATH_STATUSES].sort());
    const on = mine.filter((s) => s.value === 1);
    expect(on, name).toHaveLength(1);
    out[name] = on[0]!.labels.status!;
  }
  return out;
}

async function untilReady(d: Daemon): Promise<void> {
  const end = Date.now() + 5000;
  while ((await d.app.inject('/-/ready')).statusCode !== 200) {
    if (Date.now() > end) throw new Error('not ready');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PathStatusText (the /metrics lines, kept per path while its status holds)', () => {
  const info = (
    status: PathStatusInfo['status'],
    reason: string | null = null,
    message: string | null = null,
  ) => ({
    status,
    reason,
    message,
    checks: 1,
    unmet: 0,
    errors: 0,
  });
  it('renders after every change what a renderer without kept lines renders', () => {
    const kept = new PathStatusText();
    const rounds: { name: string; info: PathStatusInfo }[][] = [
      [
        { name: 'a', info: info('ok') },
        { name: 'b"x', info: info('pending') },
      ],
      // a flips, b's status stays but gains a reason, c arrives
      [
        { name: 'a', info: info('unmet') },
        { name: 'b"x', info: info('error', 'port_not_found', 'port "p" not found') },
        { name: 'c', info: info('ok') },
      ],
      // only b's message changes; a is removed by a reload
      [
        { name: 'b"x', info: info('error', 'port_not_found', 'port "q" not found') },
        { name: 'c', info: info('ok') },
      ],
      // a comes back: its old lines must not
      [
        { name: 'a', info: info('no_checks', 'no_checks', 'none') },
        { name: 'c', info: info('ok') },
      ],
    ];
    for (const paths of rounds) expect(kept.render(paths)).toBe(new PathStatusText().render(paths));
    const last = parseMetrics(kept.render(rounds[3]!));
    expect(find(last, 'ovncp_path_status', { path: 'a', status: 'no_checks' })[0]?.value).toBe(1);
    expect(find(last, 'ovncp_path_status', { path: 'a', status: 'unmet' })[0]?.value).toBe(0);
    expect(find(last, 'ovncp_path_problem_info', { path: 'b"x' })).toEqual([]);
  });
});

describe('path status in the daemon', () => {
  it('is pending from the first scrape, then one status per path, with the reason of each problem', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const model = createModelEngine();
    const held: TraceEngine['trace'] = async (req, o) => {
      await gate;
      return model.trace(req, o);
    };
    const d = await startDaemon({ name: 'model', trace: held });
    // Traces are held: paths waiting for them are pending; those that fail before any trace (an unknown
    // destination port, a missing group, nothing to check) already say so.
    const before = await statuses(d);
    expect(before).toEqual({ ...EXPECTED, fine: 'pending', violated: 'pending' });
    release();
    await untilReady(d);
    expect(await statuses(d)).toEqual(EXPECTED);
    const problems = find(parseMetrics((await d.app.inject('/metrics')).body), 'ovncp_path_problem_info');
    expect(problems.map((s) => [s.labels.path, s.labels.status, s.labels.reason]).sort()).toEqual([
      ['self-only', 'no_checks', 'no_checks'],
      ['typo-group', 'error', 'group_not_found'],
      ['typo-port', 'error', 'port_not_found'],
    ]);
  });

  it('keeps a violated path whose port is deleted: unmet, then error with the reason', async () => {
    const d = await startDaemon();
    await untilReady(d);
    expect((await statuses(d)).violated).toBe('unmet');
    // `ovn-nbctl lsp-del app-server-port`, as a snapshot change: the daemon re-checks the path.
    const net = readFileSync(DEMO_NETWORK_FILE, 'utf8')
      .replace('ports: [app-server-port]', 'ports: []')
      .replace(/^ *- \{ name: app-server-port,.*\n/m, '');
    expect(net).not.toContain('app-server-port,');
    writeFileSync(join(dir, 'net.yaml'), net);
    const end = Date.now() + 5000;
    while ((await statuses(d)).violated !== 'error') {
      if (Date.now() > end) throw new Error('violated path never turned error');
      await new Promise((r) => setTimeout(r, 50));
    }
    const text = (await d.app.inject('/metrics')).body;
    // The per-check verdict series are gone (no verdict), the path's status and its reason stay.
    expect(find(parseMetrics(text), 'ovncp_path_reachable', { path: 'violated' })).toEqual([]);
    expect(find(parseMetrics(text), 'ovncp_path_problem_info', { path: 'violated' })).toMatchObject([
      { labels: { status: 'error', reason: 'port_not_found' }, value: 1 },
    ]);
  });

  it('uses the same statuses in /api/v1/paths and on the landing page', async () => {
    const d = await startDaemon();
    await untilReady(d);
    const all = (await d.app.inject('/api/v1/paths')).json() as { paths: { name: string; status: string }[] };
    expect(Object.fromEntries(all.paths.map((p) => [p.name, p.status]))).toEqual(EXPECTED);
    // A misspelled group is an error, never listed as ok.
    const ok = (await d.app.inject('/api/v1/paths?status=ok')).json() as { paths: { name: string }[] };
    expect(ok.paths.map((p) => p.name)).toEqual(['fine']);
    const group = all.paths.find((p) => p.name === 'typo-group') as unknown as Record<string, unknown>;
    expect(group.status_reason).toBe('group_not_found');
    expect(group.status_message).toMatch(/source_group "pg_nope"/);
    const page = (await d.app.inject('/')).body;
    expect(page).toContain('Paths: 5 configured: 1 ok, 1 unmet, 2 error, 1 no_checks, 0 pending');
    expect(page).toContain('<a href="/paths/self-only">self-only</a></td><td><span class="badge no_checks">');
  });
});

describe('check lists every configured path', () => {
  it('shows paths that cannot run, with their status, and exits 1', async () => {
    const paths = file('check-paths.yaml', PATHS);
    const r = await cli(['check', '--paths.file', paths]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^typo-group +@pg_nope +db-server-port +tcp +reachable +group_not_found +ERROR /m,
    );
    expect(r.stdout).toMatch(/^self-only +@pg_app +@pg_app +tcp +reachable +no_checks +NO_CHECKS /m);
    expect(r.stdout).toMatch(/^5 paths: 1 ok, 1 unmet, 2 error, 1 no_checks, 0 pending; /m);
    const json = JSON.parse((await cli(['check', '--paths.file', paths, '--json'])).stdout);
    expect(
      Object.fromEntries(json.paths.map((p: { name: string; status: string }) => [p.name, p.status])),
    ).toEqual(EXPECTED);
  });
});
