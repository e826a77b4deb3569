// Live NB sync against a real ovsdb-server: initial sync equals what ovn-nbctl shows, every table's
// add/modify/delete is followed within a second, the snapshot command round-trips, and a message fed
// to the client one byte at a time decodes the same.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { RpcSession } from '../../src/ovsdb/rpc.ts';
import { DEMO_NETWORK_FILE, loadTopologyFile, loadTopologyText } from '../../src/sources/file.ts';
import { topologyFromNb } from '../../src/sources/nb/from-nb.ts';
import { LiveTopology } from '../../src/sources/nb/live-topology.ts';
import { cli } from '../helpers/cli.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { content, nbList, waitForTopology } from './ovsdb-helpers.ts';

const logger = pino({ level: 'silent' });

/** The CLI entry point in-process, with stdout and stderr collected. */
async function runMain(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const collect = () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(c, _e, done) {
        chunks.push(String(c));
        done();
      },
    });
    return { stream, text: () => chunks.join('') };
  };
  const [out, err] = [collect(), collect()];
  const code = await main(argv, { out: out.stream, err: err.stream, env });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe.skipIf(skipWithoutOvn())('live NB sync (real ovsdb-server)', () => {
  let tb: OvnTestbed;
  let store: TopologyStore;
  let live: LiveTopology;

  beforeAll(async () => {
    tb = await startOvn();
    const demo = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
    if (!demo.ok) throw new Error(demo.errors.join('\n'));
    await tb.loadSnapshot(demo.value);
    store = new TopologyStore();
    live = new LiveTopology({ remote: tb.nbTcpRemote, store, logger, debounceMs: 5 });
    live.start();
    await live.synced();
  });
  afterAll(async () => {
    live?.stop();
    await tb?.stop();
  });

  it('starts with exactly what ovn-nbctl lists', async () => {
    const t = store.require();
    const lsps = await nbList(tb, 'Logical_Switch_Port', [
      '_uuid',
      'name',
      'addresses',
      'port_security',
      'type',
    ]);
    expect(lsps.length).toBe(t.ports.size);
    for (const l of lsps) {
      const p = t.index.portByUuid.get(l._uuid as string);
      expect(p?.name).toBe(l.name);
      expect(p?.addresses.map((a) => a.raw).sort()).toEqual([l.addresses].flat().sort());
      expect(p?.portSecurity.map((a) => a.raw).sort()).toEqual([l.port_security].flat().sort());
      expect(p?.type).toBe(l.type);
    }
    const acls = await nbList(tb, 'ACL', ['_uuid', 'priority', 'match', 'action', 'direction']);
    const ours = [...t.switches.values(), ...t.portGroups.values()].flatMap((o) => o.acls);
    expect(ours.map((a) => [a.uuid, a.priority, a.match, a.action, a.direction]).sort()).toEqual(
      acls.map((a) => [a._uuid, a.priority, a.match, a.action, a.direction]).sort(),
    );
    const lrps = await nbList(tb, 'Logical_Router_Port', ['name', 'mac', 'networks']);
    expect(lrps.map((l) => [l.name, l.mac]).sort()).toEqual(
      [...t.routerPorts.values()].map((p) => [p.name, p.mac]).sort(),
    );
    const sets = await nbList(tb, 'Address_Set', ['name', 'addresses']);
    expect(sets.map((s) => [s.name, [s.addresses].flat().sort()]).sort()).toEqual(
      [...t.addressSets.values()].map((s) => [s.name, [...s.addresses].sort()]).sort(),
    );
    // The same network as the snapshot it was loaded from (names, ports, ACL matches, routes).
    const file = loadTopologyFile(DEMO_NETWORK_FILE);
    expect([...t.switches.keys()].sort()).toEqual([...file.switches.keys()].sort());
    expect([...t.ports.keys()].sort()).toEqual([...file.ports.keys()].sort());
    expect(t.routers.get('lr-core')?.staticRoutes.length).toBe(
      file.routers.get('lr-core')?.staticRoutes.length,
    );
  });

  it('follows add, modify and delete of every NB table within a second', async () => {
    const steps: [string[], (t: Topology) => boolean, string][] = [
      [['ls-add', 'ls-new'], (t) => t.switches.has('ls-new'), 'Logical_Switch'],
      [
        ['lsp-add', 'ls-new', 'p-new'],
        (t) => t.ports.get('p-new')?.switchName === 'ls-new',
        'Logical_Switch_Port',
      ],
      [
        ['lsp-set-addresses', 'p-new', '00:00:00:00:aa:01 10.9.0.1'],
        (t) => t.index.portsByIp.get('10.9.0.1')?.[0] === 'p-new',
        'Logical_Switch_Port',
      ],
      [
        ['lsp-set-port-security', 'p-new', '00:00:00:00:aa:01 10.9.0.1'],
        (t) => t.ports.get('p-new')?.portSecurity.length === 1,
        'Logical_Switch_Port',
      ],
      [
        ['acl-add', 'ls-new', 'from-lport', '1234', 'ip4.src == 10.9.0.1', 'drop'],
        (t) => t.switches.get('ls-new')?.acls[0]?.action === 'drop',
        'ACL',
      ],
      [
        ['set', 'ACL', '@ACL', 'action=allow'],
        (t) => t.switches.get('ls-new')?.acls[0]?.action === 'allow',
        'ACL',
      ],
      [
        ['create', 'Address_Set', 'name=as_new', 'addresses="10.9.0.1"'],
        (t) => t.addressSets.has('as_new'),
        'Address_Set',
      ],
      [
        ['add', 'Address_Set', 'as_new', 'addresses', '"10.9.0.2"'],
        (t) => t.addressSets.get('as_new')?.addresses.length === 2,
        'Address_Set',
      ],
      [['pg-add', 'pg_new', 'p-new'], (t) => t.portGroups.get('pg_new')?.ports[0] === 'p-new', 'Port_Group'],
      [
        ['acl-add', 'pg_new', 'to-lport', '100', 'outport == @pg_new', 'allow-related'],
        (t) => t.portGroups.get('pg_new')?.acls.length === 1,
        'ACL',
      ],
      [
        ['lb-add', 'lb-new', '10.9.0.100:80', '10.9.0.1:8080', 'tcp'],
        (t) => t.loadBalancers.has('lb-new'),
        'Load_Balancer',
      ],
      [
        ['ls-lb-add', 'ls-new', 'lb-new'],
        (t) => t.switches.get('ls-new')?.loadBalancers[0] === 'lb-new',
        'Logical_Switch',
      ],
      [['lr-add', 'lr-new'], (t) => t.routers.has('lr-new'), 'Logical_Router'],
      [
        ['lrp-add', 'lr-new', 'lrp-new', '00:00:00:00:ff:01', '10.9.0.254/24'],
        (t) => t.routerPorts.get('lrp-new')?.routerName === 'lr-new',
        'Logical_Router_Port',
      ],
      [
        ['lr-route-add', 'lr-new', '0.0.0.0/0', '10.9.0.253'],
        (t) => t.routers.get('lr-new')?.staticRoutes[0]?.nexthop === '10.9.0.253',
        'Logical_Router_Static_Route',
      ],
      [
        ['lr-policy-add', 'lr-new', '100', 'ip4.src == 10.9.0.1', 'drop'],
        (t) => t.routers.get('lr-new')?.policies[0]?.action === 'drop',
        'Logical_Router_Policy',
      ],
      [
        ['lr-nat-add', 'lr-new', 'snat', '172.16.9.1', '10.9.0.0/24'],
        (t) => t.routers.get('lr-new')?.nat[0]?.type === 'snat',
        'NAT',
      ],
      [
        ['set', 'NB_Global', '.', 'options:default_acl_drop=true'],
        (t) => t.nbGlobal.options.default_acl_drop === 'true',
        'NB_Global',
      ],
      [
        ['remove', 'NB_Global', '.', 'options', 'default_acl_drop'],
        (t) => !t.nbGlobal.options.default_acl_drop,
        'NB_Global',
      ],
      [['lr-nat-del', 'lr-new'], (t) => t.routers.get('lr-new')?.nat.length === 0, 'NAT'],
      [
        ['lr-policy-del', 'lr-new'],
        (t) => t.routers.get('lr-new')?.policies.length === 0,
        'Logical_Router_Policy',
      ],
      [
        ['lr-route-del', 'lr-new'],
        (t) => t.routers.get('lr-new')?.staticRoutes.length === 0,
        'Logical_Router',
      ],
      [['lrp-del', 'lrp-new'], (t) => !t.routerPorts.has('lrp-new'), 'Logical_Router'],
      [['lr-del', 'lr-new'], (t) => !t.routers.has('lr-new'), 'Logical_Router'],
      [
        ['lb-del', 'lb-new'],
        (t) => !t.loadBalancers.has('lb-new') && !t.switches.get('ls-new')?.loadBalancers.length,
        'Load_Balancer',
      ],
      [['pg-del', 'pg_new'], (t) => !t.portGroups.has('pg_new'), 'Port_Group'],
      [['destroy', 'Address_Set', 'as_new'], (t) => !t.addressSets.has('as_new'), 'Address_Set'],
      [['acl-del', 'ls-new'], (t) => t.switches.get('ls-new')?.acls.length === 0, 'Logical_Switch'],
      [['lsp-del', 'p-new'], (t) => !t.ports.has('p-new'), 'Logical_Switch'],
      [['ls-del', 'ls-new'], (t) => !t.switches.has('ls-new'), 'Logical_Switch'],
    ];
    const worst = { ms: 0, step: '' };
    for (const [args, ok, table] of steps) {
      if (args[2] === '@ACL') args[2] = store.require().switches.get('ls-new')!.acls[0]!.uuid;
      const seen = waitForTopology(store, (t) => ok(t), 1000);
      await tb.nbctl(...args);
      const { changed, ms } = await seen;
      expect(changed, args.join(' ')).toContain(table);
      if (ms > worst.ms) Object.assign(worst, { ms, step: args.join(' ') });
    }
    console.log(`slowest NB change -> new topology: ${worst.ms.toFixed(0)} ms (${worst.step})`);
  });

  it('applies an address-set-only change without a full rebuild, equal to a full rebuild', async () => {
    const before = store.require();
    const seen = waitForTopology(store, (t) => t.addressSets.get('mgmt_ips')?.addresses.length === 2, 1000);
    await tb.nbctl('add', 'Address_Set', 'mgmt_ips', 'addresses', '"10.0.0.66"');
    const { topology, changed } = await seen;
    expect(changed).toEqual(['Address_Set']);
    expect(topology.ports).toBe(before.ports); // the fast path: everything else is shared
    const full = topologyFromNb(
      (t) => live.client.cache.table(t),
      topology.source,
      undefined,
      topology.ovn,
    ).topology;
    expect(content(topology)).toEqual(content(full));
  });

  it('loses no update that arrives while a new client is starting up', async () => {
    const writer = await new Promise<RpcSession>((resolve, reject) => {
      const sock = connect(tb.nbSock, () => resolve(new RpcSession(sock, { probeIntervalMs: 0 })));
      sock.once('error', reject);
    });
    const other = new TopologyStore();
    const racer = new LiveTopology({ remote: tb.nbRemote, store: other, logger, debounceMs: 5 });
    try {
      const writes = (async () => {
        for (let i = 0; i < 60; i++) {
          const row = { name: `race-${i}` };
          await writer.request('transact', [
            'OVN_Northbound',
            { op: 'insert', table: 'Logical_Switch', row },
          ]);
          if (i === 5) racer.start();
        }
      })();
      await writes;
      const names = (await nbList(tb, 'Logical_Switch', ['name'])).map((r) => r.name as string).sort();
      const { topology } = await waitForTopology(other, (t) => t.switches.size === names.length, 2000);
      expect([...topology.switches.keys()].sort()).toEqual(names);
      const deletes = Array.from({ length: 60 }, (_, i) => ({
        op: 'delete',
        table: 'Logical_Switch',
        where: [['name', '==', `race-${i}`]],
      }));
      await writer.request('transact', ['OVN_Northbound', ...deletes]);
      await waitForTopology(store, (t) => !t.switches.has('race-0'), 2000);
    } finally {
      racer.stop();
      writer.close();
    }
  });

  it('writes a snapshot that loads into the same topology (YAML file, JSON file, stdout)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovncp-snap-'));
    // The real executable once; the other variants in-process (each tsx start costs seconds here).
    const yamlFile = join(dir, 'nb.yaml');
    const r = await cli(['snapshot', '--ovn.nb-db', tb.nbRemote, '--output', yamlFile]);
    expect(r.stderr).toMatch(/snapshot: 5 switches, \d+ ports, 1 routers written to/);
    expect(r.code).toBe(0);
    expect(readFileSync(yamlFile, 'utf8')).toMatch(/^# Snapshot of unix:.*NB schema 7\.0\.0, OVN 23\.03\)/);
    expect(readFileSync(yamlFile, 'utf8')).toMatch(/^ovn_version: "23\.03"$/m);
    // The file names the live NB's release (the schema versions themselves stay with the live source).
    const live = store.require();
    const asFile = { ...content(live), ovn: { ...live.ovn, nbSchema: null, source: 'snapshot' } };
    expect(content(loadTopologyFile(yamlFile))).toEqual(asFile);
    const jsonFile = join(dir, 'nb.json');
    expect((await runMain(['snapshot', '--ovn.nb-db', tb.nbRemote, '--output', jsonFile])).code).toBe(0);
    expect(content(loadTopologyFile(jsonFile))).toEqual(asFile);
    const out = await runMain(['snapshot'], { OVN_NB_DB: tb.nbRemote });
    expect(out.code).toBe(0);
    expect(content(loadTopologyText('stdout', out.stdout))).toEqual(asFile);
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes the server stream fed one byte at a time like the normal stream', async () => {
    const open = (bytewise: boolean) =>
      new Promise<RpcSession>((resolve, reject) => {
        const sock = connect(tb.nbSock, () => {
          if (!bytewise) return resolve(new RpcSession(sock, { probeIntervalMs: 0 }));
          const wrapped = new Duplex({
            read() {},
            write(chunk, _enc, done) {
              sock.write(chunk, done);
            },
            destroy(err, done) {
              sock.destroy();
              done(err);
            },
          });
          sock.on('data', (b: Buffer) => {
            for (let i = 0; i < b.length; i++) wrapped.push(b.subarray(i, i + 1));
          });
          sock.on('close', () => wrapped.destroy());
          resolve(new RpcSession(wrapped, { probeIntervalMs: 0 }));
        });
        sock.once('error', reject);
      });
    const req = ['OVN_Northbound', null, { Logical_Switch_Port: [{}], ACL: [{}], Logical_Switch: [{}] }];
    const normal = await open(false);
    const bytewise = await open(true);
    try {
      const [a, b] = [await normal.request('monitor_cond', req), await bytewise.request('monitor_cond', req)];
      expect(JSON.stringify(b).length).toBeGreaterThan(5000);
      expect(b).toEqual(a);
      expect(await bytewise.request('get_schema', ['OVN_Northbound'])).toEqual(
        await normal.request('get_schema', ['OVN_Northbound']),
      );
    } finally {
      normal.close();
      bytewise.close();
    }
  });
});

describe.skipIf(skipWithoutOvn())('NB rows the model cannot take', () => {
  let tb: OvnTestbed;
  afterAll(async () => {
    await tb?.stop();
  });

  it('are left out with a warning while the rest keeps following', async () => {
    tb = await startOvn();
    await tb.nbctl('ls-add', 'sw', '--', 'lsp-add', 'sw', 'good', '--', 'lsp-add', 'sw', 'bad');
    await tb.nbctl('lsp-set-addresses', 'good', '00:00:00:00:00:01 10.0.0.1');
    // ovn-nbctl checks addresses in lsp-set-addresses, but a generic `set` (or another client) does not.
    await tb.nbctl('set', 'Logical_Switch_Port', 'bad', 'addresses="zz:zz 10.0.0.2"');
    await tb.nbctl('create', 'Logical_Switch', 'name=sw');
    const store = new TopologyStore();
    const logs: string[] = [];
    const log = pino({ level: 'warn' }, { write: (s: string) => logs.push(s) });
    const live = new LiveTopology({ remote: tb.nbRemote, store, logger: log });
    try {
      live.start();
      await live.synced();
      const t = store.require();
      expect(t.ports.get('good')?.addresses).toHaveLength(1);
      expect(t.ports.get('bad')?.addresses).toEqual([]);
      // Two switches named "sw": both kept, each under its UUID.
      expect(t.switches.size).toBe(2);
      expect(t.switches.has('sw')).toBe(false);
      expect(t.switches.get(t.ports.get('good')!.switchName)?.ports).toEqual(['bad', 'good']);
      expect(logs.join('')).toContain('bad MAC \\"zz:zz\\" in address \\"zz:zz 10.0.0.2\\" (left out)');
      expect(logs.join('')).toContain('switch name \\"sw\\" is used 2 times');
      const seen = waitForTopology(store, (x) => x.ports.get('bad')?.addresses.length === 1, 1000);
      await tb.nbctl('lsp-set-addresses', 'bad', '00:00:00:00:00:02 10.0.0.2');
      await seen;
    } finally {
      live.stop();
    }
  });
});
