// Changes applied to a copy of a topology: the base is never touched, unchanged rows stay the same
// objects (so the model reuses their compiled parts), the index follows the changed rows as a full
// build would, each command does what ovn-nbctl does, and a change that cannot apply is a 400 naming it.

import { describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { OvncpError } from '../../src/errors.ts';
import { applyChanges, parseChange } from '../../src/ovn/topology/edit/apply.ts';
import { buildIndex } from '../../src/ovn/topology/topology-index.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

const demo = loadDemoTopology();
const apply = (t: Topology, ...changes: unknown[]) => applyChanges(t, changes.map(parseChange));

function errorOf(fn: () => unknown): OvncpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OvncpError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('derived topology', () => {
  it('shares every unchanged row with its base and leaves the base alone', () => {
    const before = JSON.stringify([...demo.switches.get('ls1')!.acls]);
    const t = apply(demo, { nbctl: `acl-add ls1 from-lport 2200 'tcp.dst == 22' allow` });
    expect(JSON.stringify([...demo.switches.get('ls1')!.acls])).toBe(before);
    expect(t.switches.get('ls1')!.acls).toHaveLength(demo.switches.get('ls1')!.acls.length + 1);
    for (const [name, sw] of demo.switches) if (name !== 'ls1') expect(t.switches.get(name)).toBe(sw);
    for (const [name, p] of demo.ports) expect(t.ports.get(name)).toBe(p);
    expect(t.portGroups).toBe(demo.portGroups); // untouched tables are not even copied
    expect(t.routers).toBe(demo.routers);
  });

  it('patches the index exactly as a full build would', () => {
    const t = apply(
      demo,
      { nbctl: 'lsp-add ls1 vm9-port -- lsp-set-addresses vm9-port "00:00:00:00:00:09 10.0.0.9"' },
      { op: 'pg-set-ports', name: 'pg_web', ports: ['web-server-port', 'vm9-port'] },
      { nbctl: 'lsp-del vm2-port' },
    );
    expect(t.index.portsByIp.get('10.0.0.9')).toEqual(['vm9-port']);
    expect(t.index.portsByIp.has('10.0.0.2')).toBe(false);
    const full = buildIndex(t);
    for (const k of ['portsByIp', 'groupsByPort', 'groupsBySwitch'] as const)
      expect(new Map(t.index[k])).toEqual(new Map(full[k]));
    expect(t.portGroups.get('pg_web')!.ports).toEqual(['web-server-port', 'vm9-port']);
  });

  it('recompiles only what changed: one ACL on a switch reuses every other compiled switch', () => {
    const engine = createModelEngine();
    const live = engine.compiled(demo);
    const t = apply(demo, { nbctl: `acl-add ls1 from-lport 2200 'tcp.dst == 22' allow` });
    const derived = engine.compiled(t);
    for (const [name, cs] of live.switches)
      if (name === 'ls1') expect(derived.switches.get(name)).not.toBe(cs);
      else expect(derived.switches.get(name)).toBe(cs);
    expect(engine.networks.peek(demo)).toBe(live); // the live network stays cached
  });
});

describe('what each command does', () => {
  it('acl-del by direction, priority and match removes just that ACL', () => {
    const t = apply(demo, { nbctl: `acl-del ls1 from-lport 2100 'tcp.dst == 22'` });
    expect(t.switches.get('ls1')!.acls.map((a) => a.name)).toEqual(['allow-http']);
    expect(apply(demo, { op: 'acl-del', entity: 'pg_db' }).portGroups.get('pg_db')!.acls).toEqual([]);
  });

  it('address sets: create, add, remove, set, destroy', () => {
    let t = apply(demo, { nbctl: `create Address_Set name=new_set addresses='"10.0.0.1","10.0.0.2"'` });
    expect(t.addressSets.get('new_set')!.addresses).toEqual(['10.0.0.1', '10.0.0.2']);
    t = apply(t, {
      nbctl: 'add Address_Set new_set addresses 10.0.0.3 -- remove Address_Set new_set addresses 10.0.0.1',
    });
    expect(t.addressSets.get('new_set')!.addresses).toEqual(['10.0.0.2', '10.0.0.3']);
    t = apply(t, { op: 'address-set-set', name: 'new_set', addresses: ['192.0.2.0/24'] });
    expect(t.addressSets.get('new_set')!.addresses).toEqual(['192.0.2.0/24']);
    expect(apply(t, { nbctl: 'destroy Address_Set new_set' }).addressSets.has('new_set')).toBe(false);
  });

  it('routes, NAT, policies and load balancers', () => {
    const t = apply(
      demo,
      { nbctl: 'lr-route-add lr-core 192.0.2.0/24 10.0.0.5' },
      { nbctl: 'lr-nat-add lr-core snat 192.0.2.1 10.0.0.0/24' },
      { nbctl: `lr-policy-add lr-core 100 'ip4.src == 10.0.0.1' drop` },
      { nbctl: 'lb-add lb-new 10.0.0.200:80 10.0.0.1:8080,10.0.0.2:8080 -- ls-lb-add ls1 lb-new' },
    );
    const r = t.routers.get('lr-core')!;
    expect(r.staticRoutes.at(-1)).toMatchObject({ nexthop: '10.0.0.5', policy: 'dst-ip', routeTable: '' });
    expect(r.nat.at(-1)).toMatchObject({ type: 'snat' });
    expect(r.policies.at(-1)).toMatchObject({ priority: 100, action: 'drop' });
    expect(t.loadBalancers.get('lb-new')!.vips[0]!.backends).toHaveLength(2);
    expect(t.switches.get('ls1')!.loadBalancers).toContain('lb-new');
    expect(t.index.lbUsers.get('lb-new')).toEqual({ switches: ['ls1'], routers: [] });
    const gone = apply(t, { nbctl: 'lb-del lb-new' });
    expect(gone.switches.get('ls1')!.loadBalancers).not.toContain('lb-new');
  });
});

describe('refusals name the change and its field', () => {
  it.each([
    [
      { nbctl: 'acl-add nosuch to-lport 1 ip4 drop' },
      'changes[0].entity',
      /switch or port group "nosuch" not found/,
    ],
    [
      { op: 'lsp-set-addresses', port: 'vm1-port', addresses: ['zz:00 10.0.0.1'] },
      'changes[0].addresses[0]',
      /bad MAC/,
    ],
    [{ op: 'pg-add', name: 'pg_web' }, 'changes[0].name', /already exists/],
    [
      { op: 'acl-add', entity: 'ls1', direction: 'from-lport', priority: 5, match: 'ip4' },
      'changes[0].action',
      /./,
    ],
    [{ op: 'frobnicate' }, 'changes[0].op', /unknown op "frobnicate"/],
    [{ op: 'pg-del', name: 'pg_web', extra: 1 }, 'changes[0].extra', /Unknown field/],
    [{ nbctl: 'ls-add x' }, 'changes[0].nbctl', /unsupported command: ls-add/],
    [{ nbctl: 'lr-route-add lr-core 10.0.9.0/24 not-an-ip' }, 'changes[0].nexthop', /not an IP address/],
  ])('%j', (change, field, re) => {
    const e = errorOf(() => apply(demo, change));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(re);
    expect(e.status).toBe(400);
  });

  it('says which of several changes failed', () => {
    const e = errorOf(() =>
      apply(demo, { nbctl: 'pg-del pg_web' }, { nbctl: 'pg-set-ports pg_web vm1-port' }),
    );
    expect(e.field).toBe('changes[1].name');
  });
});

describe('what-if benchmark (size S smoke)', () => {
  it('measures apply, derived compile and the comparison for each kind of change', async () => {
    const { whatIfBench } = await import('../../bench/what-if.bench.ts');
    const r = await whatIfBench('S', 2);
    expect(r.rows.map((x) => x.kind)).toEqual(['switch ACL', 'port-group ACL', 'address set']);
    for (const row of r.rows) {
      expect(row.checks).toBe(100);
      expect(row.compileMs).toBeGreaterThan(0);
    }
    // A switch ACL leaves the checks that never cross that switch unaffected: not traced twice.
    expect(r.rows[0]!.reused).toBeGreaterThan(0);
  });
});
