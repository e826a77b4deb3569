// Structural sharing of the live topology against a real ovsdb-server: after an ovn-nbctl change, every
// model object whose row (and embedded rows) did not change is the same object as before, the changed
// ones and their parents are new, and the topology (indexes included) equals a full rebuild made with a
// fresh memo (the live source owns its own, so a wrongly reused entry cannot hide in the reference too).

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { NbMemo, topologyFromNb } from '../../src/sources/nb/from-nb.ts';
import { LiveTopology } from '../../src/sources/nb/live-topology.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { content, waitForTopology } from './ovsdb-helpers.ts';

const logger = pino({ level: 'silent' });
type Collection =
  | 'switches'
  | 'ports'
  | 'routers'
  | 'routerPorts'
  | 'portGroups'
  | 'addressSets'
  | 'loadBalancers';
const COLLECTIONS: readonly Collection[] = [
  'switches',
  'ports',
  'routers',
  'routerPorts',
  'portGroups',
  'addressSets',
  'loadBalancers',
];

/** Every object in both topologies is the same one, except the named ones, which must be new. */
function expectShared(prev: Topology, next: Topology, changed: Partial<Record<Collection, string[]>>): void {
  for (const c of COLLECTIONS) {
    const except = new Set(changed[c] ?? []);
    for (const [name, obj] of next[c] as ReadonlyMap<string, object>) {
      const old = (prev[c] as ReadonlyMap<string, object>).get(name);
      if (except.has(name)) expect(obj, `${c} ${name} should be new`).not.toBe(old);
      else if (old) expect(obj, `${c} ${name} should be shared`).toBe(old);
    }
  }
}

/** ACL objects by UUID across switches and port groups. */
function aclsByUuid(t: Topology): Map<string, object> {
  const out = new Map<string, object>();
  for (const o of [...t.switches.values(), ...t.portGroups.values()])
    for (const a of o.acls) out.set(a.uuid, a);
  return out;
}

describe.skipIf(skipWithoutOvn())('live topology keeps unchanged objects (real ovsdb-server)', () => {
  let tb: OvnTestbed;
  let store: TopologyStore;
  let live: LiveTopology;

  beforeAll(async () => {
    tb = await startOvn();
    const demo = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
    if (!demo.ok) throw new Error(demo.errors.join('\n'));
    await tb.loadSnapshot(demo.value);
    store = new TopologyStore();
    live = new LiveTopology({ remote: tb.nbRemote, store, logger, debounceMs: 5 });
    live.start();
    await live.synced();
  });
  afterAll(async () => {
    live?.stop();
    await tb?.stop();
  });

  /** Runs ovn-nbctl, waits for the topology that passes `ok`, checks it against a full rebuild. */
  async function change(ok: (t: Topology) => boolean, ...args: string[]) {
    const prev = store.require();
    const seen = waitForTopology(store, ok, 2000);
    await tb.nbctl(...args);
    await seen;
    // Rebuilds span turns of the event loop: compare the cache with the topology of all it received.
    await live.idle();
    const topology = store.require();
    const tables = (t: string) => live.client.cache.table(t);
    const full = topologyFromNb(tables, topology.source, new NbMemo(), live.ovnInfo()!).topology;
    expect(content(topology)).toEqual(content(full));
    return { prev, next: topology };
  }

  it('acl-add on a port group: only that group is new, its other ACLs and everything else shared', async () => {
    const { prev, next } = await change(
      (t) => t.portGroups.get('pg_db')?.acls.length === 4,
      '--type=port-group',
      'acl-add',
      'pg_db',
      'to-lport',
      '1200',
      'outport == @pg_db && tcp.dst == 5432',
      'allow-related',
    );
    expectShared(prev, next, { portGroups: ['pg_db'] });
    const before = aclsByUuid(prev);
    const after = aclsByUuid(next);
    for (const [uuid, acl] of before) expect(after.get(uuid)).toBe(acl);
    expect(after.size).toBe(before.size + 1);
  });

  it('lsp-add: the switch is new, every existing port is shared', async () => {
    const { prev, next } = await change((t) => t.ports.has('db-2-port'), 'lsp-add', 'ls-db', 'db-2-port');
    expectShared(prev, next, { switches: ['ls-db'] });
    expect(next.switches.get('ls-db')!.acls).toEqual(prev.switches.get('ls-db')!.acls);
  });

  it('lsp-set-addresses: the port and its switch are new (its ACLs shared), the IP index follows', async () => {
    const { prev, next } = await change(
      (t) => t.index.portsByIp.has('10.0.0.22'),
      'lsp-set-addresses',
      'vm2-port',
      '00:00:00:00:00:02 10.0.0.22',
    );
    expectShared(prev, next, { switches: ['ls1'], ports: ['vm2-port'] });
    const oldAcls = prev.switches.get('ls1')!.acls;
    next.switches.get('ls1')!.acls.forEach((a, i) => {
      expect(a).toBe(oldAcls[i]);
    });
    expect(next.index.portsByIp.get('10.0.0.22')).toEqual(['vm2-port']);
    expect(next.index.portsByIp.has('10.0.0.2')).toBe(false);
    expect(prev.index.portsByIp.get('10.0.0.2')).toEqual(['vm2-port']); // the old snapshot is untouched
    expect(next.index.portByUuid.get(next.ports.get('vm2-port')!.uuid)).toBe(next.ports.get('vm2-port'));
  });

  it('lr-route-add: the router is new, its other routes and ports shared', async () => {
    const routes0 = store.require().routers.get('lr-core')!.staticRoutes.length;
    const { prev, next } = await change(
      (t) => t.routers.get('lr-core')!.staticRoutes.length === routes0 + 1,
      'lr-route-add',
      'lr-core',
      '192.168.0.0/16',
      '10.0.0.1',
    );
    expectShared(prev, next, { routers: ['lr-core'] });
    const routes = new Set(next.routers.get('lr-core')!.staticRoutes);
    for (const r of prev.routers.get('lr-core')!.staticRoutes) expect(routes.has(r)).toBe(true);
  });

  it('a port group losing a member: the group is new, the group indexes follow', async () => {
    const { prev, next } = await change(
      (t) => t.portGroups.get('pg_web')?.ports.length === 1,
      'pg-set-ports',
      'pg_web',
      'web-server-port',
    );
    expectShared(prev, next, { portGroups: ['pg_web'] });
    expect(next.index.groupsByPort.get('web-server-2-port') ?? []).not.toContain('pg_web');
    expect(prev.index.groupsByPort.get('web-server-2-port')).toContain('pg_web');
  });
});
