// The lflow engine live, against a real OVN loaded with the demo network: a daemon given the NB and the
// SB with `--engine auto` checks its paths on lflow (the SB's own logical flows), an acl-add flips
// ovncp_path_reachable through the SB update (after northd rewrote the flows, never before), an SB
// ovsdb-server restart is survived, and a saved SB file serves `check` and `trace` with no OVN running.

import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/config/daemon-config.ts';
import { createLogger } from '../../src/log.ts';
import { createDaemon } from '../../src/runtime/daemon.ts';
import { cli } from '../helpers/cli.ts';
import { type LiveDaemon, startLiveDaemon, until } from '../helpers/live-daemon.ts';
import { skipWithoutOvn } from '../helpers/ovn-testbed.ts';
import { parseMetrics, value } from './metrics-text.ts';

/** The switch, direction, priority and match of the drop ACL the tests add and remove. */
const HTTP_TO_VM2 = ['ls1', 'to-lport', '1900', 'outport == "vm2-port" && tcp.dst == 80'];

const PATHS = `defaults:
  interval: 1h   # only change-driven runs can explain a flip within the test
paths:
  - name: vm1-to-vm2-http
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 80
  - name: web-to-db
    source_port: web-server-port
    destination: db-server-port
    protocol: tcp
    port: 3306
`;

describe.skipIf(skipWithoutOvn())('lflow engine on a live NB + SB (real OVN)', () => {
  let live: LiveDaemon;
  const d = () => live.d;
  const tb = () => live.tb;

  beforeAll(async () => {
    live = await startLiveDaemon({ paths: PATHS, sb: true, settings: { engine: 'auto' } });
  }, 60_000);

  afterAll(async () => {
    await live?.stop();
  });

  const samples = async () => parseMetrics((await d().app.inject('/metrics')).body);
  const reachable = async () => value(await samples(), 'ovncp_path_reachable', { path: 'vm1-to-vm2-http' });

  it('is ready after the first SB sync and round, with verdicts traced on lflow', async () => {
    expect((await d().app.inject('/-/ready')).statusCode).toBe(200);
    expect(await reachable()).toBe(1);
    expect(value(await samples(), 'ovncp_path_reachable', { path: 'web-to-db' })).toBe(1);
    const state = d().monitor.statesOf('vm1-to-vm2-http')[0]!;
    expect(state.last?.engine).toBe('lflow');
    const flow = await d().app.inject({
      method: 'POST',
      url: '/api/v1/trace/flow',
      payload: { source_port: 'vm1-port', destination_ip: '10.0.0.2', destination_port_num: 22 },
    });
    expect(flow.json()).toMatchObject({ engine: 'lflow', reaches_destination: false });
    const m = await samples();
    expect(value(m, 'ovncp_ovsdb_connected', { db: 'sb' })).toBe(1);
    expect(value(m, 'ovncp_sb_rows', { table: 'Logical_Flow' })).toBeGreaterThan(100);
  });

  it('an acl-add flips the gauge through the SB update, and acl-del flips it back', async () => {
    const ms = await (async () => {
      const t0 = Date.now();
      await tb().nbctl('acl-add', ...HTTP_TO_VM2, 'drop');
      await until('flip to blocked', async () => (await reachable()) === 0);
      return Date.now() - t0;
    })();
    const state = d().monitor.statesOf('vm1-to-vm2-http')[0]!;
    expect(state.last).toMatchObject({ engine: 'lflow', reachable: false, trigger: 'topology' });
    // The drop came from the SB's flows: the flow northd made for the ACL is in the followed SB.
    const flows = [...d().runtime.sb!.database()!.Logical_Flow.values()];
    expect(flows.some((f) => f.match.includes('tcp.dst == 80') && f.match.includes('vm2-port'))).toBe(true);
    await tb().nbctl('acl-del', ...HTTP_TO_VM2);
    await until('flip back', async () => (await reachable()) === 1);
    console.log(
      `acl-add -> flipped gauge: ${ms} ms; SB update applied (median): ${d().runtime.sb!.medianApplyMs().toFixed(2)} ms`,
    );
  }, 30_000);

  it('survives an SB ovsdb-server restart and follows changes again', async () => {
    live.killDb('sb', 'SIGKILL');
    await until(
      'SB disconnected',
      async () => value(await samples(), 'ovncp_ovsdb_connected', { db: 'sb' }) === 0,
    );
    const stale = await d().app.inject({
      method: 'POST',
      url: '/api/v1/trace/flow',
      payload: { source_port: 'vm1-port', destination_ip: '10.0.0.2', destination_port_num: 80 },
    });
    expect(stale.json().warnings).toContainEqual(expect.stringMatching(/^SB database disconnected/));
    await live.restartDb('sb');
    await until(
      'SB back',
      async () => value(await samples(), 'ovncp_ovsdb_connected', { db: 'sb' }) === 1,
      30_000,
    );
    await tb().nbctl('acl-add', ...HTTP_TO_VM2, 'drop');
    await until('flip after the restart', async () => (await reachable()) === 0, 30_000);
    await tb().nbctl('acl-del', ...HTTP_TO_VM2);
    await until('flip back', async () => (await reachable()) === 1, 30_000);
  }, 60_000);

  it('with only the SB: the topology comes from it and an SB flow change re-runs the checks', async () => {
    const settings = resolveSettings(
      {
        'paths.file': join(live.dir, 'paths.yaml'),
        'ovn.sb-db': tb().sbRemote,
        'web.listen-address': '127.0.0.1:0',
      },
      {},
    );
    const sbOnly = createDaemon(settings, { logger: createLogger('fatal', 'json') });
    try {
      await sbOnly.start();
      await until('ready', async () => (await sbOnly.app.inject('/-/ready')).statusCode === 200);
      expect(sbOnly.topology.current()?.ports.has('vm1-port')).toBe(true);
      const state = () => sbOnly.monitor.statesOf('vm1-to-vm2-http')[0]!.last;
      expect(state()).toMatchObject({ engine: 'lflow', reachable: true });
      await tb().nbctl('acl-add', ...HTTP_TO_VM2, 'drop');
      await until('blocked after the SB update', () => state()?.reachable === false);
      await tb().nbctl('acl-del', ...HTTP_TO_VM2);
      await until('reachable again', () => state()?.reachable === true);
    } finally {
      await sbOnly.stop();
    }
  }, 60_000);

  it('a saved SB file serves check and trace with no OVN to ask', async () => {
    await tb().sync();
    const file = join(live.dir, 'saved-sb.db');
    copyFileSync(join(tb().dir, 'sb.db'), file);
    const t = await cli([
      'trace',
      `--topology.sb-file=${file}`,
      '--engine=lflow',
      '--source-port=vm1-port',
      '--destination-ip=10.0.0.2',
      '--protocol=tcp',
      '--destination-port-num=22',
      '--json',
    ]);
    expect(t.stderr).toBe('');
    const r = JSON.parse(t.stdout) as { engine: string; reaches_destination: boolean };
    expect(r).toMatchObject({ engine: 'lflow', reaches_destination: false });
    expect(t.code).toBe(1);
    const c = await cli([
      'check', // no --engine: auto is lflow when an SB is given
      `--topology.sb-file=${file}`,
      `--paths.file=${join(live.dir, 'paths.yaml')}`,
      '--json',
    ]);
    const out = JSON.parse(c.stdout) as { checks: { path: string; verdict: string }[] };
    expect(out.checks.map((x) => [x.path, x.verdict]).sort()).toEqual([
      ['vm1-to-vm2-http', 'reachable'],
      ['web-to-db', 'reachable'],
    ]);
    expect(c.code).toBe(0);
  }, 60_000);
});
