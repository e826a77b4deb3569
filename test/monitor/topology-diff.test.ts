// diffTopologies on the demo network: each kind of change (made the way a live NB source makes it,
// replacing only the changed objects) marks exactly the datapaths it can affect, and says when the
// change is global; a topology sharing nothing with the previous one changes everything.

import { describe, expect, it } from 'vitest';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import { diffTopologies } from '../../src/ovn/topology/diff.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

const prev = loadDemoTopology();

/** `prev` with one map entry replaced by a copy (a new object, as a rebuilt row is). */
function replaced<
  K extends 'switches' | 'ports' | 'portGroups' | 'addressSets' | 'loadBalancers' | 'routers' | 'routerPorts',
>(t: Topology, kind: K, name: string, edit: (o: never) => object = (o) => o): Topology {
  const map = new Map(t[kind] as ReadonlyMap<string, object>);
  const old = map.get(name);
  if (!old) throw new Error(`${kind} ${name} not in the demo network`);
  map.set(name, { ...old, ...edit(old as never) });
  return { ...t, [kind]: map };
}

const sorted = (s: ReadonlySet<string>) => [...s].sort();

describe('diffTopologies', () => {
  it('finds nothing between a topology and itself (or a copy sharing every object)', () => {
    const d = diffTopologies(prev, { ...prev, builtAt: prev.builtAt + 1 });
    expect(sorted(d.datapaths)).toEqual([]);
    expect(d.global).toBe(false);
  });

  it('marks a changed switch only', () => {
    const d = diffTopologies(prev, replaced(prev, 'switches', 'ls1'));
    expect(sorted(d.datapaths)).toEqual(['ls1']);
    expect(d.global).toBe(false);
  });

  it('marks the switches of a changed port group and of ACLs naming it ($pg_ip4, @pg)', () => {
    // pg_web's members are on ls-web; pg_db's and pg_cache's ACLs name $pg_web_ip4.
    const d = diffTopologies(prev, replaced(prev, 'portGroups', 'pg_web'));
    expect(sorted(d.datapaths)).toEqual(['ls-cache', 'ls-db', 'ls-web']);
    expect(d.global).toBe(false);
  });

  it('does not take a quoted name holding @ns or $ns_ip4 for a reference to group ns', () => {
    const acl = (match: string) => ({
      direction: 'to-lport' as const,
      priority: 1,
      match,
      action: 'drop' as const,
    });
    const port = (name: string, ip: string) => ({
      name,
      addresses: [`0a:00:00:00:00:${ip.slice(-2)} ${ip}`],
    });
    const t = buildTopology(
      {
        port_groups: [{ name: 'ns', ports: ['n1'] }],
        switches: [
          {
            name: 'ls',
            acls: [acl('outport == {"b@ns", "x$ns_ip4"} && ip4')],
            ports: [port('b@ns', '10.0.0.12')],
          },
          { name: 'ls2', acls: [acl('ip4.src == $ns_ip4')], ports: [port('c', '10.0.0.13')] },
          { name: 'other', ports: [port('n1', '10.0.0.11')] },
        ],
      },
      { kind: 'memory', name: 'quoted' },
    );
    expect(sorted(diffTopologies(t, replaced(t, 'portGroups', 'ns')).datapaths)).toEqual(['ls2', 'other']);
  });

  it('marks switches with members in the old or the new group when membership moves', () => {
    const cur = replaced(prev, 'portGroups', 'pg_dmz', () => ({ ports: ['vm1-port'] }));
    expect(sorted(diffTopologies(prev, cur).datapaths)).toEqual(['ls-dmz', 'ls1']);
  });

  it('marks the owners of ACLs naming a changed address set', () => {
    // $mgmt_ips is named by pg_web (ls-web) and pg_app (ls-web); $internal_nets by pg_dmz (ls-dmz).
    expect(sorted(diffTopologies(prev, replaced(prev, 'addressSets', 'mgmt_ips')).datapaths)).toEqual([
      'ls-web',
    ]);
    expect(sorted(diffTopologies(prev, replaced(prev, 'addressSets', 'internal_nets')).datapaths)).toEqual([
      'ls-dmz',
    ]);
  });

  it('marks the users of a changed load balancer', () => {
    const d = diffTopologies(prev, replaced(prev, 'loadBalancers', 'lb-web'));
    expect(sorted(d.datapaths)).toEqual(['ls-dmz']);
    expect(d.global).toBe(false);
  });

  it('a port change marks its switch; a re-addressed or new port is global', () => {
    const security = diffTopologies(
      prev,
      replaced(prev, 'ports', 'vm2-port', () => ({ portSecurity: [] })),
    );
    expect(sorted(security.datapaths)).toEqual(['ls1']);
    expect(security.global).toBe(false);
    const readdressed = replaced(prev, 'ports', 'vm2-port', () => ({
      addresses: [{ kind: 'static', mac: '00:00:00:00:00:02', ips: [], raw: '00:00:00:00:00:02' }],
    }));
    expect(diffTopologies(prev, readdressed)).toMatchObject({ global: true });
    const ports = new Map(prev.ports);
    ports.delete('vm2-port');
    const removed = diffTopologies(prev, { ...prev, ports });
    expect(sorted(removed.datapaths)).toEqual(['ls1']);
    expect(removed.global).toBe(true);
  });

  it('a router or router-port change marks the router and is global', () => {
    const r = diffTopologies(prev, replaced(prev, 'routers', 'lr-core'));
    expect(sorted(r.datapaths)).toEqual(['lr-core']);
    expect(r.global).toBe(true);
    const rp = diffTopologies(prev, replaced(prev, 'routerPorts', 'lr-core-db'));
    expect(sorted(rp.datapaths)).toEqual(['lr-core']);
    expect(rp.global).toBe(true);
  });

  it('NB_Global options are global', () => {
    const d = diffTopologies(prev, { ...prev, nbGlobal: { options: { foo: 'bar' } } });
    expect(d.global).toBe(true);
  });

  it('a topology loaded again from its file shares nothing: every datapath changed, global', () => {
    const d = diffTopologies(prev, loadDemoTopology());
    expect(sorted(d.datapaths)).toEqual(sorted(new Set([...prev.switches.keys(), ...prev.routers.keys()])));
    expect(d.global).toBe(true);
  });

  it('the first topology is global', () => {
    expect(diffTopologies(null, prev)).toMatchObject({ global: true });
  });
});
