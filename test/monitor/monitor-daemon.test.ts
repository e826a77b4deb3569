// The monitor inside a real daemon (model engine, demo network in a snapshot file): metrics checked by
// value and by the real promtool, what an erroring check exports, reload good/bad/removed through
// POST /-/reload, the watched directory and a ConfigMap-style `..data` swap, change-driven re-checks
// when the snapshot file changes, and a shutdown in the middle of a check.

import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import type { TraceEngine } from '../../src/engine/types.ts';
import { createLogger } from '../../src/log.ts';
import { createDaemon, type Daemon, type DaemonOptions } from '../../src/runtime/daemon.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { find, parseMetrics, value } from './metrics-text.ts';

const PATHS = `defaults:
  interval: 1h
paths:
  - name: web-to-db
    source_port: web-server-port
    destination: db-server-port
    protocol: tcp
    port: 3306
    labels: { tier: data }
  - name: web-to-app
    source_port: web-server-port
    destination: app-server-port
    protocol: tcp
    port: 8080
    expect: blocked
  - name: vm1-to-vm2-http
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 80
  - name: to-nowhere
    source_port: vm1-port
    destination: no-such-port
    protocol: tcp
    port: 80
`;

const running: Daemon[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ovncp-monitor-'));
  dirs.push(d);
  return d;
}

async function startDaemon(
  pathsFile: string,
  topologyFile: string,
  opts: DaemonOptions = {},
): Promise<Daemon> {
  const settings = resolveSettings(
    { 'paths.file': pathsFile, 'topology.file': topologyFile, 'web.listen-address': '127.0.0.1:0' },
    {},
  );
  const d = createDaemon(settings, { logger: createLogger('fatal', 'json'), ...opts });
  running.push(d);
  await d.start();
  return d;
}

async function metrics(d: Daemon) {
  const res = await d.app.inject('/metrics');
  expect(res.statusCode).toBe(200);
  return { text: res.body, samples: parseMetrics(res.body) };
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 3000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function ready(d: Daemon): Promise<void> {
  await until('ready', async () => ((await d.app.inject('/-/ready')).statusCode === 200 ? true : undefined));
}

function setup(paths = PATHS): { dir: string; paths: string; topo: string } {
  const dir = tmp();
  writeFileSync(join(dir, 'paths.yaml'), paths);
  writeFileSync(join(dir, 'net.yaml'), readFileSync(DEMO_NETWORK_FILE, 'utf8'));
  return { dir, paths: join(dir, 'paths.yaml'), topo: join(dir, 'net.yaml') };
}

describe('path monitor in the daemon', () => {
  it('lists the paths API and the operational endpoints in /openapi.json', async () => {
    const f = setup();
    const d = await startDaemon(f.paths, f.topo);
    const doc = (await d.app.inject('/openapi.json')).json() as { paths: Record<string, object> };
    for (const p of [
      '/api/v1/paths',
      '/api/v1/paths/{name}',
      '/-/reload',
      '/-/healthy',
      '/-/ready',
      '/metrics',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
    expect(doc.paths['/api/v1/trace/flow']).toBeDefined();
  });

  it('exports one series per check with the right values, and promtool accepts the text', async () => {
    const f = setup();
    const d = await startDaemon(f.paths, f.topo);
    await ready(d);
    const { text, samples } = await metrics(d);
    const db = {
      path: 'web-to-db',
      source_port: 'web-server-port',
      destination: 'db-server-port',
      protocol: 'tcp',
      port: '3306',
      tier: 'data',
    };
    expect(find(samples, 'ovncp_path_reachable', { path: 'web-to-db' })[0]?.labels).toEqual(db);
    expect(value(samples, 'ovncp_path_reachable', db)).toBe(1);
    expect(value(samples, 'ovncp_path_expected_reachable', db)).toBe(1);
    expect(value(samples, 'ovncp_path_expectation_met', db)).toBe(1);
    expect(find(samples, 'ovncp_path_blocked_info', { path: 'web-to-db' })).toEqual([]);
    expect(value(samples, 'ovncp_path_reachable', { path: 'web-to-app' })).toBe(0);
    expect(value(samples, 'ovncp_path_expected_reachable', { path: 'web-to-app' })).toBe(0);
    expect(value(samples, 'ovncp_path_expectation_met', { path: 'web-to-app' })).toBe(1);
    expect(
      value(samples, 'ovncp_path_blocked_info', {
        path: 'web-to-app',
        blocked_by: 'app-default-deny',
        hop_type: 'acl',
        owner_kind: 'acl',
        owner: 'app-default-deny',
      }),
    ).toBe(1);
    const now = Date.now() / 1000;
    const checked = value(samples, 'ovncp_path_last_check_timestamp_seconds', { path: 'web-to-db' })!;
    expect(Math.abs(now - checked)).toBeLessThan(30);
    expect(value(samples, 'ovncp_path_last_change_timestamp_seconds', { path: 'web-to-db' })).toBe(checked);
    expect(value(samples, 'ovncp_paths_configured')).toBe(4);
    expect(value(samples, 'ovncp_path_check_interval_seconds', db)).toBe(3600);
    expect(value(samples, 'ovncp_config_last_reload_successful')).toBe(1);
    expect(value(samples, 'ovncp_shard')).toBe(0);
    expect(value(samples, 'ovncp_total_shards')).toBe(1);
    expect(value(samples, 'ovncp_path_checks_total', { result: 'reachable' })).toBe(2);
    expect(value(samples, 'ovncp_path_checks_total', { result: 'blocked' })).toBe(1);
    // Durations count every check the engine was chosen for, the erroring one included.
    expect(value(samples, 'ovncp_path_check_duration_seconds_count', { engine: 'model' })).toBe(4);
    // An erroring check has no verdict: no reachable/met series, but its check time and the error counter.
    expect(find(samples, 'ovncp_path_reachable', { path: 'to-nowhere' })).toEqual([]);
    expect(find(samples, 'ovncp_path_expectation_met', { path: 'to-nowhere' })).toEqual([]);
    expect(value(samples, 'ovncp_path_last_check_timestamp_seconds', { path: 'to-nowhere' })).toBeGreaterThan(
      0,
    );
    expect(value(samples, 'ovncp_path_check_errors_total', { reason: 'port_not_found' })).toBe(1);
    expect(text).toMatch(/^# HELP ovncp_path_reachable .*last scheduled/m);
    execFileSync('promtool', ['check', 'metrics'], { input: text }); // throws on any lint problem
    const api = (await d.app.inject('/api/v1/paths/web-to-app')).json();
    expect(api.checks[0]).toMatchObject({
      verdict: 'blocked',
      expectation_met: true,
      blocked_by: 'app-default-deny',
    });
    expect(api.checks[0].trace.dropped_at.type).toBe('acl');
    expect((await d.app.inject('/api/v1/paths/nope')).json()).toEqual({
      error: {
        code: 'OVNCP_ERR_PATH_NOT_FOUND',
        message: 'no path named "nope" (on this shard)',
        field: 'name',
      },
    });
    const errored = (await d.app.inject('/api/v1/paths?status=error')).json();
    expect(errored.paths.map((p: { name: string }) => p.name)).toEqual(['to-nowhere']);
    const all = (await d.app.inject('/api/v1/paths')).json();
    expect(all.paths.map((p: { status: string }) => p.status)).toEqual(['ok', 'ok', 'ok', 'error']);
    const badStatus = await d.app.inject('/api/v1/paths?status=bogus');
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json().error).toMatchObject({ code: 'OVNCP_ERR_INVALID_FIELD', field: 'status' });
    const page = await d.app.inject('/');
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<a href="/paths/to-nowhere">to-nowhere</a>');
    expect(page.body).not.toContain(tmpdir()); // names no file on disk (the paths file is there)
  });

  it('reloads: keeps unchanged paths, drops removed series, refuses a bad file and keeps the old one', async () => {
    const f = setup();
    const d = await startDaemon(f.paths, f.topo);
    await ready(d);
    const before = (await metrics(d)).samples;
    const dbChecked = value(before, 'ovncp_path_last_check_timestamp_seconds', { path: 'web-to-db' });
    const edited = PATHS.replace(/ {2}- name: web-to-app[\s\S]*?expect: blocked\n/, '').replace(
      'port: 80\n  - name: to-nowhere',
      'port: 80\n    expect: blocked\n  - name: to-nowhere',
    );
    writeFileSync(
      f.paths,
      `${edited}  - name: added\n    source_port: vm1-port\n    destination: vm2-port\n    protocol: tcp\n    port: 22\n    expect: blocked\n`,
    );
    const res = await d.app.inject({ method: 'POST', url: '/-/reload' });
    expect(res.json()).toEqual({ status: 'reloaded', paths: 4, checks: 4 });
    await d.monitor.idle();
    const after = (await metrics(d)).samples;
    expect(find(after, 'ovncp_path_expected_reachable', { path: 'web-to-app' })).toEqual([]);
    expect(find(after, 'ovncp_path_blocked_info', { path: 'web-to-app' })).toEqual([]);
    // unchanged: state kept, not re-run
    expect(value(after, 'ovncp_path_last_check_timestamp_seconds', { path: 'web-to-db' })).toBe(dbChecked);
    // changed expectation: same verdict, now unmet
    expect(value(after, 'ovncp_path_expectation_met', { path: 'vm1-to-vm2-http' })).toBe(0);
    expect(value(after, 'ovncp_path_reachable', { path: 'added' })).toBe(0);
    expect(value(after, 'ovncp_path_blocked_info', { path: 'added', blocked_by: 'deny-ssh' })).toBe(1);

    writeFileSync(f.paths, 'paths:\n  - name: broken\n    source_port: vm1-port\n');
    const bad = await d.app.inject({ method: 'POST', url: '/-/reload' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('OVNCP_ERR_CONFIG');
    expect(bad.json().error.message).toContain(`${f.paths}:2: paths.0: give exactly one destination`);
    const kept = (await metrics(d)).samples;
    expect(value(kept, 'ovncp_config_last_reload_successful')).toBe(0);
    expect(value(kept, 'ovncp_paths_configured')).toBe(4);
    expect(value(kept, 'ovncp_path_reachable', { path: 'added' })).toBe(0);
  });

  it('reloads by itself when the watched directory changes, including a ConfigMap ..data swap', async () => {
    const dir = tmp();
    const topo = join(dir, 'net.yaml');
    writeFileSync(topo, readFileSync(DEMO_NETWORK_FILE, 'utf8'));
    const cm = join(dir, 'cm');
    mkdirSync(join(cm, '..v1'), { recursive: true });
    writeFileSync(join(cm, '..v1', 'paths.yaml'), PATHS);
    symlinkSync('..v1', join(cm, '..data'));
    symlinkSync('..data/paths.yaml', join(cm, 'paths.yaml'));
    const d = await startDaemon(join(cm, 'paths.yaml'), topo);
    await ready(d);
    // What the kubelet does: write the new version aside, then atomically re-point ..data.
    mkdirSync(join(cm, '..v2'));
    writeFileSync(join(cm, '..v2', 'paths.yaml'), PATHS.replace('name: web-to-db', 'name: web-to-db-v2'));
    symlinkSync('..v2', join(cm, '..data_tmp'));
    renameSync(join(cm, '..data_tmp'), join(cm, '..data'));
    const s = await until('the reload', async () => {
      const m = (await metrics(d)).samples;
      return value(m, 'ovncp_path_reachable', { path: 'web-to-db-v2' }) === 1 ? m : undefined;
    });
    expect(find(s, 'ovncp_path_expected_reachable', { path: 'web-to-db' })).toEqual([]);
  });

  it('re-checks within 1 s when the snapshot file changes (drop ACL added, then removed)', async () => {
    const f = setup();
    const d = await startDaemon(f.paths, f.topo);
    await ready(d);
    const reachable = async () =>
      value((await metrics(d)).samples, 'ovncp_path_reachable', { path: 'vm1-to-vm2-http' });
    expect(await reachable()).toBe(1);
    const original = readFileSync(f.topo, 'utf8');
    const anchor = '      - { name: deny-ssh,';
    expect(original).toContain(anchor);
    const t0 = Date.now();
    writeFileSync(
      f.topo,
      original.replace(
        anchor,
        `      - { name: block-http-now, direction: from-lport, priority: 3000, match: "tcp.dst == 80", action: drop }\n${anchor}`,
      ),
    );
    await until('blocked', async () => ((await reachable()) === 0 ? true : undefined), 1000);
    const blockedAfter = Date.now() - t0;
    const m = (await metrics(d)).samples;
    expect(
      value(m, 'ovncp_path_blocked_info', { path: 'vm1-to-vm2-http', blocked_by: 'block-http-now' }),
    ).toBe(1);
    const t1 = Date.now();
    writeFileSync(f.topo, original);
    await until('reachable again', async () => ((await reachable()) === 1 ? true : undefined), 1000);
    const openAfter = Date.now() - t1;
    expect(blockedAfter).toBeLessThan(1000);
    expect(openAfter).toBeLessThan(1000);
    const api = (await d.app.inject('/api/v1/paths/vm1-to-vm2-http')).json();
    expect(api.checks[0].trigger).toBe('topology');
  });

  it('shuts down promptly in the middle of a check, recording no verdict for it', async () => {
    const f = setup();
    let started = 0;
    // An engine that never answers and ignores its abort signal: the worst case for shutdown.
    const hang: TraceEngine = {
      name: 'model',
      trace: () => {
        started++;
        return new Promise(() => {});
      },
    };
    const d = await startDaemon(f.paths, f.topo, { pathEngine: () => hang });
    await until('a check in flight', async () => (started > 0 ? true : undefined));
    expect((await d.app.inject('/-/ready')).statusCode).toBe(503);
    const t0 = Date.now();
    running.splice(running.indexOf(d), 1);
    await d.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    // Checks that reached the hanging engine end without a verdict (to-nowhere fails before it).
    const states = [...d.monitor.results.all()].filter((s) => s.check.path.name !== 'to-nowhere');
    expect(states).toHaveLength(3);
    for (const s of states) expect(s.last).toBeNull();
    expect(started).toBeGreaterThan(0);
  });
});
