// Change-driven re-evaluation against a REAL NB: the daemon follows a throwaway ovsdb-server loaded
// with the demo network; a drop ACL added with ovn-nbctl must flip ovncp_path_reachable within 1 s,
// and removing it must flip it back.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveDaemon, startLiveDaemon, until } from '../helpers/live-daemon.ts';
import { skipWithoutOvn } from '../helpers/ovn-testbed.ts';
import { find, parseMetrics, value } from './metrics-text.ts';

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

describe.skipIf(skipWithoutOvn())('path monitor on a live NB (real OVN)', () => {
  let live: LiveDaemon;

  beforeAll(async () => {
    live = await startLiveDaemon({ paths: PATHS });
  }, 60_000);

  afterAll(async () => {
    await live?.stop();
  });

  const samples = async () => parseMetrics((await live.d.app.inject('/metrics')).body);
  const reachable = async () => value(await samples(), 'ovncp_path_reachable', { path: 'vm1-to-vm2-http' });

  it('is ready after the first sync and round, with verdicts from the live topology', async () => {
    expect((await live.d.app.inject('/-/ready')).statusCode).toBe(200);
    expect(await reachable()).toBe(1);
    expect(value(await samples(), 'ovncp_path_reachable', { path: 'web-to-db' })).toBe(1);
  });

  it('flips within 1 s when a drop ACL is added with ovn-nbctl, and back when it is removed', async () => {
    const t0 = Date.now();
    await live.tb.nbctl(
      '--name=block-http-live',
      'acl-add',
      'ls1',
      'from-lport',
      '3000',
      'tcp.dst == 80',
      'drop',
    );
    const blocked = await until('blocked', async () => (await reachable()) === 0, 1000 - (Date.now() - t0));
    const s = await samples();
    expect(find(s, 'ovncp_path_blocked_info', { path: 'vm1-to-vm2-http' })[0]?.labels).toMatchObject({
      blocked_by: 'block-http-live',
      hop_type: 'acl',
    });
    // The other path is on other switches: still reachable.
    expect(value(s, 'ovncp_path_reachable', { path: 'web-to-db' })).toBe(1);
    const t1 = Date.now();
    await live.tb.nbctl('acl-del', 'ls1', 'from-lport', '3000', 'tcp.dst == 80');
    const open = await until(
      'reachable again',
      async () => (await reachable()) === 1,
      1000 - (Date.now() - t1),
    );
    const api = (await live.d.app.inject('/api/v1/paths/vm1-to-vm2-http')).json();
    expect(api.checks[0].trigger).toBe('topology');
    // Why it flipped (verdict history): both transitions name the ACL row of the real NB.
    const h = api.history as { from: string; to: string; trigger: string; rows: Record<string, unknown>[] }[];
    expect(h.map((t) => [t.from, t.to, t.trigger, t.rows[0]?.change])).toEqual([
      ['blocked', 'reachable', 'topology', 'removed'],
      ['reachable', 'blocked', 'topology', 'added'],
    ]);
    for (const t of h)
      expect(t.rows[0]).toMatchObject({
        table: 'ACL',
        name: 'block-http-live',
        match: 'tcp.dst == 80',
        owner: 'ls1',
        uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f-]{27}$/),
      });
    console.log(`verdict seen ${blocked} ms after acl-add returned, ${open} ms after acl-del returned`);
  });
});
