// The model engine's monitor-facing options: detail 'outcome' gives the same verdict, summary, warnings
// and drop hop as 'full' without the intermediate hops; `visited` names every datapath a trace
// entered (every branch) and stays out of any JSON; and compiling a topology that shares most rows
// with the last one reuses the unchanged parts yet traces exactly as a fresh compile does.

import { describe, expect, it } from 'vitest';
import { pathRequest } from '../../bench/lib/path-requests.ts';
import { generate } from '../../bench/lib/topology-generator.ts';
import {
  COMPILED_CACHE_SIZE,
  compileNetwork,
  createModelEngine,
  traceResolved,
} from '../../src/engine/model/index.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import type { TraceRequest, TraceResult } from '../../src/engine/types.ts';
import { BuildMemo, buildTopology } from '../../src/ovn/topology/build.ts';
import type { Acl, AddressSet, PortGroup, Topology } from '../../src/ovn/topology/types.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';
import { modelOn } from '../helpers/trace.ts';

const gen = generate('S');
const topo = buildTopology(gen.doc, { kind: 'memory', name: 'generated S' });
const requests: TraceRequest[] = gen.paths.flatMap((p) => {
  const r = pathRequest(topo, p);
  return r
    ? [r, { ...r, protocol: 'udp' as const }, { ...r, protocol: 'icmp' as const }, { ...r, max_hops: 2 }]
    : [];
});

const VERDICT_FIELDS = [
  'success',
  'reaches_destination',
  'output_ports',
  'warnings',
  'engine',
  'summary',
  'dropped_at',
  'backends',
] as const;
const verdict = (r: TraceResult) => Object.fromEntries(VERDICT_FIELDS.map((k) => [k, r[k]]));

describe('model engine detail option', () => {
  it("'outcome' agrees with 'full' on every generated path, and keeps only the drop hop", async () => {
    const engine = modelOn(topo);
    let dropped = 0;
    for (const req of requests) {
      const full = await engine.trace(req);
      const outcome = await engine.trace(req, { detail: 'outcome' });
      expect(verdict(outcome)).toEqual(verdict(full));
      expect(outcome.hops).toEqual(full.dropped_at ? [full.dropped_at] : []);
      if (full.dropped_at) dropped++;
    }
    // The sample has both kinds: drops by ACL and deliveries (and paths max_hops stopped, no drop).
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(requests.length);
  });

  it("'outcome' knows the last hop's type and the ACL decisions without building hops", async () => {
    const engine = createModelEngine();
    for (const req of requests) {
      const full = await engine.trace(req, { network: topo });
      const outcome = await engine.trace(req, { network: topo, detail: 'outcome' });
      // A path max_hops stopped has no last hop type (it did not end there).
      const last = full.shown.truncated ? null : (full.shown.hops.at(-1)?.type ?? null);
      expect(outcome.shown.lastType).toBe(last);
      expect(outcome.acl).toEqual(full.acl);
    }
    // Every ACL hop of the shown branch is one of the recorded decisions, with the same ACL.
    const full = await engine.trace(requests[0]!, { network: topo });
    for (const h of full.shown.hops.filter((x) => x.type === 'acl'))
      expect(full.acl).toContainEqual(
        expect.objectContaining({ stage: h.stage, datapath: h.datapath, acl: h.acl_matches?.[0] ?? null }),
      );
  });

  it('names the deciding ACL in an outcome drop', async () => {
    const engine = modelOn(topo);
    const blocked = gen.paths.find((p) => p.kind === 'cross-namespace')!;
    const r = await engine.trace(pathRequest(topo, blocked)!, { detail: 'outcome' });
    expect(r.reaches_destination).toBe(false);
    expect(r.dropped_at).toMatchObject({ type: 'acl', stage: 'ls_out_acl', action: 'drop' });
    expect(r.dropped_at!.datapath).toMatch(/^node\d+$/);
    expect(r.dropped_at!.acl_matches![0]!.acl_name).toMatch(/-default-deny$/);
  });
});

describe('TraceTree.visited', () => {
  it('lists each datapath entered once, over every branch, in both detail modes', async () => {
    const engine = createModelEngine();
    const vip = gen.paths.find((p) => p.kind === 'vip')!;
    for (const detail of ['full', 'outcome'] as const) {
      const r = await engine.trace(pathRequest(topo, vip)!, { network: topo, detail });
      // Every backend's egress switch, the router between, and the client's switch.
      const full = toTraceResult(await engine.trace(pathRequest(topo, vip)!, { network: topo }));
      const want = new Set<string>(full.hops.map((h) => h.datapath!).filter(Boolean));
      for (const b of full.backends ?? [])
        for (const p of b.output_ports) want.add(topo.ports.get(p)!.switchName);
      expect(new Set(r.visited)).toEqual(want);
      expect(r.visited!.length).toBe(new Set(r.visited).size);
      expect(r.visited).toContain('ovn_cluster_router');
    }
  });

  it('is the source switch alone for a same-switch drop, and never serialized', async () => {
    const demo = loadDemoTopology();
    const engine = createModelEngine();
    const port = [...demo.ports.values()].find((p) => p.type === '' && p.portSecurity.length > 0)!;
    const tree = await engine.trace(
      {
        source_port: port.name,
        source_ip: '203.0.113.9',
        destination_ip: '203.0.113.10',
        destination_mac: '02:00:00:00:00:99',
      },
      { network: demo },
    );
    const r = toTraceResult(tree);
    expect(r.dropped_at?.type).toBe('port_security');
    expect(tree.visited).toEqual([port.switchName]);
    expect(JSON.stringify(r)).not.toContain('visited');
    expect(Object.keys(r)).not.toContain('visited');
  });
});

/** A topology sharing every row with `t` but the ones given. */
function withRows(t: Topology, groups: PortGroup[] = [], sets: AddressSet[] = []): Topology {
  const portGroups = new Map(t.portGroups);
  for (const g of groups) portGroups.set(g.name, g);
  const addressSets = new Map(t.addressSets);
  for (const s of sets) addressSets.set(s.name, s);
  return { ...t, portGroups, addressSets, builtAt: t.builtAt + 1 };
}

function traceAll(net: ReturnType<typeof compileNetwork>, reqs: readonly TraceRequest[]): string[] {
  return reqs.map((q) =>
    JSON.stringify(toTraceResult(traceResolved(net, q, resolveRequest(net.topology, q)))),
  );
}

describe('compile reuse across topologies', () => {
  const first = compileNetwork(topo);
  traceAll(first, requests); // compiles the ACL matches the paths use, so they can be reused

  it('reuses everything when nothing changed', () => {
    const again = compileNetwork(withRows(topo), { previous: first });
    expect(again.reused.switches).toBe(topo.switches.size);
    expect(again.reused.routers).toBe(topo.routers.size);
    expect(traceAll(again, requests)).toEqual(traceAll(first, requests));
  });

  it('recompiles only the switches of a changed port group, and traces as a fresh compile', () => {
    const blocked = gen.paths.find((p) => p.kind === 'same-namespace')!;
    const ns = blocked.source_port.split('_')[0]!;
    const g = topo.portGroups.get(`pg_${ns}`)!;
    const deny: Acl = {
      ...g.acls[0]!,
      uuid: '00000000-0000-4000-8000-00000000dead',
      name: `${ns}-deny-all`,
      priority: 2000,
      match: `outport == @pg_${ns} && ip4`,
      action: 'drop',
    };
    const t2 = withRows(topo, [{ ...g, acls: [...g.acls, deny] }]);
    const next = compileNetwork(t2, { previous: first });
    const touched = topo.index.groupsBySwitch;
    const affected = [...topo.switches.keys()].filter((s) => touched.get(s)?.includes(g.name)).length;
    expect(affected).toBeGreaterThan(0);
    expect(next.reused.switches).toBe(topo.switches.size - affected);
    expect(next.reused.acls).toBeGreaterThan(0);
    expect(traceAll(next, requests)).toEqual(traceAll(compileNetwork(t2), requests));
    // And the change is seen: the same-namespace path is now dropped by the new ACL.
    const r = traceResolved(next, pathRequest(t2, blocked)!, resolveRequest(t2, pathRequest(t2, blocked)!));
    expect(toTraceResult(r).dropped_at?.acl_matches?.[0]?.acl_name).toBe(`${ns}-deny-all`);
  });

  it('recompiles the ACL matches naming a changed address set', () => {
    const p = gen.paths.find((x) => x.kind === 'same-namespace')!;
    const ns = p.source_port.split('_')[0]!;
    const set = topo.addressSets.get(`as_${ns}`)!;
    // Emptied: the namespace's allow-same-namespace ACL no longer admits its own pods.
    const t2 = withRows(topo, [], [{ ...set, addresses: [] }]);
    const next = compileNetwork(t2, { previous: first });
    expect(traceAll(next, requests)).toEqual(traceAll(compileNetwork(t2), requests));
    const req = pathRequest(t2, p)!;
    expect(traceResolved(first, req, resolveRequest(topo, req)).reached).toBe(true);
    expect(traceResolved(next, req, resolveRequest(t2, req)).reached).toBe(false);
  });

  it("reuses across the live source's incremental rebuilds (BuildMemo keeps unchanged rows)", () => {
    const memo = new BuildMemo();
    const src = { kind: 'memory' as const, name: 'incremental' };
    const t1 = buildTopology(gen.doc, src, memo);
    const net1 = compileNetwork(t1);
    traceAll(net1, requests);
    // One namespace's port group gets a drop ACL on everything; every other document entry is the same object.
    const gi = gen.doc.port_groups!.findIndex((g) => (g.acls?.length ?? 0) > 0);
    const g = gen.doc.port_groups![gi]!;
    const deny = {
      name: 'deny-all',
      direction: 'to-lport' as const,
      priority: 2000,
      match: `outport == @${g.name} && ip4`,
      action: 'drop' as const,
    };
    const port_groups = gen.doc.port_groups!.map((x, i) =>
      i === gi ? { ...x, acls: [...x.acls!, deny] } : x,
    );
    const t2 = buildTopology({ ...gen.doc, port_groups }, src, memo);
    const net2 = compileNetwork(t2, { previous: net1 });
    const affected = [...t2.switches.keys()].filter((s) => t2.index.groupsBySwitch.get(s)?.includes(g.name));
    expect(affected.length).toBeGreaterThan(0);
    expect(net2.reused.switches).toBe(t2.switches.size - affected.length);
    expect(traceAll(net2, requests)).toEqual(traceAll(compileNetwork(t2), requests));
  });

  it('the engine passes its last compiled network on when the topology changes', async () => {
    const engine = createModelEngine();
    await engine.trace(requests[0]!, { network: topo });
    const next = withRows(topo);
    await engine.trace(requests[0]!, { network: next });
    expect(engine.compiled(next).reused.switches).toBe(topo.switches.size);
  });
});

describe('compiled network cache', () => {
  /** `t` with one more drop ACL on the port group of a same-namespace path (a what-if edit). */
  function derived(t: Topology): { t2: Topology; req: TraceRequest } {
    const p = gen.paths.find((x) => x.kind === 'same-namespace')!;
    const ns = p.source_port.split('_')[0]!;
    const g = t.portGroups.get(`pg_${ns}`)!;
    const deny: Acl = {
      ...g.acls[0]!,
      uuid: '00000000-0000-4000-8000-00000000beef',
      name: `${ns}-what-if-deny`,
      priority: 2000,
      match: `outport == @pg_${ns} && ip4`,
      action: 'drop',
    };
    return { t2: withRows(t, [{ ...g, acls: [...g.acls, deny] }]), req: pathRequest(t, p)! };
  }

  it('traces a derived topology without evicting (or recompiling) the live one', async () => {
    const engine = createModelEngine();
    const live = topo;
    const { t2, req } = derived(live);
    const first = await engine.trace(req, { network: live });
    const liveNet = engine.compiled(live);
    const whatIf = await engine.trace(req, { network: t2 });
    const again = await engine.trace(req, { network: live });
    expect(engine.compiled(live)).toBe(liveNet);
    // Each answer is its own topology's: the edit drops the packet only in the what-if.
    expect(first.reached).toBe(true);
    expect(whatIf.reached).toBe(false);
    expect(whatIf.shown.dropped?.acl_matches?.[0]?.acl_name).toMatch(/-what-if-deny$/);
    expect(again.reached).toBe(true);
    // The derived network was compiled from the live one: only the edited group's switches are new,
    // and the ACL matches the live trace compiled are reused.
    const g = [...t2.portGroups.values()].find((x) => x !== live.portGroups.get(x.name))!;
    const groups = live.index.groupsBySwitch;
    const affected = [...live.switches.keys()].filter((s) => groups.get(s)?.includes(g.name)).length;
    expect(engine.compiled(t2).reused.switches).toBe(live.switches.size - affected);
    expect(engine.compiled(t2).reused.acls).toBeGreaterThan(0);
  });

  it('keeps a bounded number of networks, dropping the least recently used', async () => {
    const engine = createModelEngine();
    const req = requests[0]!;
    const tops = Array.from({ length: COMPILED_CACHE_SIZE + 1 }, () => withRows(topo));
    for (const t of tops) await engine.trace(req, { network: t });
    expect(engine.networks.peek(tops[0]!)).toBeUndefined();
    for (const t of tops.slice(1)) expect(engine.networks.peek(t)).toBeDefined();
  });
});
