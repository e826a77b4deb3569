// Change-driven re-runs on the demo network with the model engine: a topology change re-runs the
// checks whose last trace went through a changed datapath, and only those, unless the change is global
// (a router changed: every check re-runs); the touched checks run ahead of checks already queued.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import type { TraceEngine } from '../../src/engine/types.ts';
import { createLogger } from '../../src/log.ts';
import { Monitor } from '../../src/monitor/monitor.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import type { Acl, Topology } from '../../src/ovn/topology/types.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-change-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PATHS = `paths:
  - name: vm1-to-vm2
    source_port: vm1-port
    destination: vm2-port
    protocol: tcp
    port: 80
    interval: 1h
  - name: web-to-db
    source_port: web-server-port
    destination: db-server-port
    protocol: tcp
    port: 3306
    interval: 1h
`;

/** The demo topology with a drop ACL added to pg_db (a new port group object, the rest shared). */
function dropOnDb(t: Topology): Topology {
  const pg = t.portGroups.get('pg_db')!;
  const acl: Acl = {
    uuid: 'test-drop',
    name: 'test-drop',
    direction: 'to-lport',
    priority: 2000,
    match: 'outport == @pg_db && ip4',
    action: 'drop',
    log: false,
    severity: null,
    label: 0,
    tier: 0,
    options: {},
    externalIds: {},
    owner: { kind: 'port_group', name: 'pg_db' },
  };
  return { ...t, portGroups: new Map(t.portGroups).set('pg_db', { ...pg, acls: [...pg.acls, acl] }) };
}

async function started(engine?: (model: TraceEngine) => TraceEngine) {
  const file = join(dir, `paths-${Math.random()}.yaml`);
  writeFileSync(file, PATHS);
  const store = new TopologyStore();
  store.set(loadDemoTopology(), ['initial']);
  const model = createModelEngine();
  const m = new Monitor({
    pathsFile: file,
    topology: store,
    engine: () => (engine ? engine(model) : model),
    registry: new Registry(),
    logger: createLogger('fatal', 'json'),
  });
  await m.start();
  await m.idle();
  const runs = () =>
    Object.fromEntries([...m.results.all()].map((s) => [s.check.path.name, [s.runs, s.last?.reachable]]));
  return { m, store, runs };
}

describe('change-driven re-runs', () => {
  it('re-runs only the checks that went through a changed datapath', async () => {
    const { m, store, runs } = await started();
    expect(runs()).toEqual({ 'vm1-to-vm2': [1, true], 'web-to-db': [1, true] });
    expect(
      [...m.results.get('web-to-db|web-server-port|db-server-port|tcp|3306')!.last!.visited!].sort(),
    ).toEqual(['lr-core', 'ls-db', 'ls-web']);
    store.set(dropOnDb(store.require()), ['ACL']);
    await m.idle();
    // vm1 -> vm2 stays on ls1, which did not change: its verdict still holds, no re-run.
    expect(runs()).toEqual({ 'vm1-to-vm2': [1, true], 'web-to-db': [2, false] });
    await m.stop();
  });

  it('re-runs every check on a global change (a router changed)', async () => {
    const { m, store, runs } = await started();
    const t = store.require();
    const lr = t.routers.get('lr-core')!;
    store.set({ ...t, routers: new Map(t.routers).set('lr-core', { ...lr }) }, ['Logical_Router']);
    await m.idle();
    expect(runs()).toEqual({ 'vm1-to-vm2': [2, true], 'web-to-db': [2, true] });
    // A file reload shares nothing with the previous topology: everything re-runs too.
    store.set(loadDemoTopology(), ['file']);
    await m.idle();
    expect(runs()).toEqual({ 'vm1-to-vm2': [3, true], 'web-to-db': [3, true] });
    await m.stop();
  });

  it('runs the touched checks ahead of checks already queued', async () => {
    // Hold every run until released, so the order the scheduler starts them in can be seen.
    const order: string[] = [];
    let release: () => void = () => {};
    let gate = Promise.resolve();
    const { m, store } = await started((model) => ({
      name: 'model',
      async trace(req, opts) {
        await gate;
        order.push(`${req.source_port}>${req.destination_ip}`);
        return model.trace(req, opts);
      },
    }));
    order.length = 0; // forget the first round
    gate = new Promise<void>((r) => (release = r));
    const filler = Array.from(
      { length: 5 },
      (_, i) =>
        `  - name: f${i}\n    source_port: vm1-port\n    destination: mgmt-port\n    protocol: tcp\n    port: ${1000 + i}\n    interval: 1h\n`,
    );
    writeFileSync(m.currentConfig().file!, `${PATHS}${filler.join('')}concurrency: 1\n`);
    await m.reload(); // five new checks (vm1 -> mgmt) queued, the first of them already running (held)
    store.set(dropOnDb(store.require()), ['ACL']);
    release();
    await m.idle();
    // The first run started before the change; web -> db (to a member of the changed group) comes right
    // after it, ahead of the four queued before the change. The held one runs again: it was in flight.
    expect(order.slice(0, 2)).toEqual(['vm1-port>10.0.0.5', 'web-server-port>10.0.2.10']);
    expect(order.filter((o) => o === 'vm1-port>10.0.0.5')).toHaveLength(6);
    expect(order.filter((o) => o.startsWith('web-server-port'))).toHaveLength(1);
    await m.stop();
  });
});
