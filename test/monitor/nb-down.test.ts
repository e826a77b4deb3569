// With the NB's ovsdb-server stopped, no path shows a fresh verdict on the old topology: every path's
// status is `error` (reason topology_stale) in /metrics and /api/v1/paths, at once; when the NB is
// back, the new topology re-checks them and they are `ok` again (issue 17). A real OVN, the real daemon.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveDaemon, startLiveDaemon, until } from '../helpers/live-daemon.ts';
import { skipWithoutOvn } from '../helpers/ovn-testbed.ts';
import { parseMetrics, value } from './metrics-text.ts';

const PATHS = `defaults:
  interval: 1h   # only the NB going and coming back can explain a change within the test
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
const NAMES = ['vm1-to-vm2-http', 'web-to-db'];

describe.skipIf(skipWithoutOvn())('paths while the NB is down (real OVN)', () => {
  let live: LiveDaemon;
  const d = () => live.d;

  beforeAll(async () => {
    live = await startLiveDaemon({ paths: PATHS });
  }, 60_000);

  afterAll(async () => {
    await live?.stop();
  });

  const samples = async () => parseMetrics((await d().app.inject('/metrics')).body);
  const statuses = async () => {
    const s = await samples();
    return NAMES.map((path) =>
      ['ok', 'error'].find((status) => value(s, 'ovncp_path_status', { path, status }) === 1),
    );
  };
  const apiPaths = async () =>
    (await d().app.inject('/api/v1/paths')).json().paths as {
      name: string;
      status: string;
      status_reason: string | null;
      status_message: string | null;
    }[];

  it('every path is error (topology_stale) while the NB is stopped, and ok again when it is back', async () => {
    expect((await d().app.inject('/-/ready')).statusCode).toBe(200);
    expect(await statuses()).toEqual(['ok', 'ok']);

    live.killDb('nb');
    const down = await until(
      'error after the NB stopped',
      async () => (await statuses()).every((s) => s === 'error'),
      5_000,
    );
    for (const p of await apiPaths()) {
      expect(p.status, p.name).toBe('error');
      expect(p.status_reason).toBe('topology_stale');
      expect(p.status_message).toContain('NB database disconnected');
    }
    const s = await samples();
    for (const path of NAMES)
      expect(value(s, 'ovncp_path_problem_info', { path, reason: 'topology_stale' }), path).toBe(1);
    // Traces answered meanwhile say the topology is the last good one.
    const flow = await d().app.inject({
      method: 'POST',
      url: '/api/v1/trace/flow',
      payload: {
        source_port: 'vm1-port',
        destination_ip: '10.0.0.2',
        protocol: 'tcp',
        destination_port_num: 80,
      },
    });
    expect(flow.json().warnings.join('\n')).toContain('NB database disconnected');

    // Start it again on the same database file: the client reconnects (backoff up to 8 s).
    await live.restartDb('nb');
    const back = await until(
      'ok after the NB returned',
      async () => (await statuses()).every((s) => s === 'ok'),
      20_000,
    );
    expect((await apiPaths()).map((p) => [p.name, p.status, p.status_reason])).toEqual([
      ['vm1-to-vm2-http', 'ok', null],
      ['web-to-db', 'ok', null],
    ]);
    console.log(`paths error ${down} ms after the NB stopped; ok ${back} ms after it restarted`);
  }, 60_000);
});
