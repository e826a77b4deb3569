// Exact allowed services (src/analysis/allowed-services.ts) checked against the model traced port by
// port: on a hand-built network whose ACLs use ranges, masks, subfields, negation, a router policy on
// tcp.dst and a load-balancer VIP port, every TCP port 1..65535 is traced and must agree with the range
// answer; on generated networks every range's two ends and a sample inside it must. Plus the demo case
// of issue 19: a drop on tcp/8443 that connectivity without ports never tried.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { allowedServices, type PortRange } from '../../src/analysis/allowed-services.ts';
import { connectivity } from '../../src/analysis/connectivity.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { allowedByView } from '../../src/engine/result/outcome.ts';
import type { TraceEngine, TraceRequest } from '../../src/engine/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { loadTopologyText } from '../../src/sources/file.ts';
import { genNetwork, Rng } from '../conformance/generator.ts';

const engine = createModelEngine();

/** What one direct trace says, in the terms ranges are compared in. */
async function direct(t: Topology, req: TraceRequest): Promise<{ reachable: boolean; acls: string }> {
  const tree = await engine.trace(req, { network: t, detail: 'outcome' });
  const acls = allowedByView(tree).map((a) => `${a.datapath}/${a.stage}/${a.acl?.uuid ?? '-'}`);
  return { reachable: tree.reached, acls: tree.reached ? acls.join(' ') : '' };
}

function rangeOf(ranges: readonly PortRange[], port: number): PortRange {
  const r = ranges.find((x) => x.from <= port && port <= x.to);
  if (!r) throw new Error(`port ${port} is in no range`);
  return r;
}

const aclsOf = (r: PortRange) =>
  r.reachable ? r.allowed_by.map((a) => `${a.datapath}/${a.stage}/${a.acl?.uuid ?? '-'}`).join(' ') : '';

const TRICKY = readFileSync('test/fixtures/topology/services-tricky.yaml', 'utf8');

describe('exact allowed services', () => {
  it('agrees with a trace of every TCP port on a network of ranges, masks, subfields, a policy and a VIP', async () => {
    const t = loadTopologyText('tricky.yaml', TRICKY);
    const req = { source_port: 'cli', destination_ip: '10.0.1.10' };
    const ans = await allowedServices(engine, req, { network: t, maxTraces: 2000 });
    for (let port = 1; port <= 65535; port++) {
      const d = await direct(t, { ...req, protocol: 'tcp', destination_port_num: port });
      const r = rangeOf(ans.tcp, port);
      if (r.reachable !== d.reachable || aclsOf(r) !== d.acls) {
        throw new Error(`tcp/${port}: range ${r.from}-${r.to} says ${r.reachable}, the trace ${d.reachable}`);
      }
    }
    const open = ans.tcp.filter((r) => r.reachable).map((r) => [r.from, r.to]);
    expect(open).toEqual([
      [5, 5],
      [21, 21],
      [37, 37],
      [53, 53],
      [69, 69],
      [80, 80],
      [85, 85],
      [101, 101],
      [117, 117],
      [133, 133],
      [149, 149],
      [165, 165],
      [181, 181],
      [197, 197],
      [443, 443],
      [1024, 2047],
      [8080, 8080],
      [30000, 30999],
      [31001, 32767],
    ]);
    expect(ans.tcp.find((r) => r.from === 6000)?.blocked_by).toBe('ACL: from-cli-6000 (Priority: 100)');
    expect(ans.udp.filter((r) => r.reachable).map((r) => [r.from, r.to])).toEqual([
      [1, 52],
      [54, 65535],
    ]);
    expect(ans.icmp.reachable).toBe(false);
    // One trace per piece, not per port.
    expect(ans.traces).toBeLessThan(200);
  });

  it('follows a VIP port: the VIP is a constant too', async () => {
    const t = loadTopologyText('tricky.yaml', TRICKY);
    const ans = await allowedServices(
      engine,
      { source_port: 'cli', destination_ip: '10.0.1.100' },
      { network: t, maxTraces: 2000 },
    );
    const open = ans.tcp.filter((r) => r.reachable).map((r) => [r.from, r.to]);
    expect(open).toEqual([[9090, 9090]]);
  });

  it('agrees at range ends and inside ranges on generated networks', async () => {
    const rng = new Rng(1909);
    let checked = 0;
    for (let n = 0; n < 12; n++) {
      const gen = genNetwork(rng, { lb: n % 2 === 1 });
      const t = buildTopology(gen.doc, { kind: 'memory', name: `services-${n}` });
      for (let k = 0; k < 3; k++) {
        const src = rng.pick(gen.ports);
        const dst = rng.pick(gen.ports);
        if (src === dst) continue;
        const req = { source_port: src.name, destination_ip: dst.ip4 };
        // A pair the trace cannot resolve (no way to fill destination_mac) is no service question.
        const ans = await allowedServices(engine, req, { network: t, maxTraces: 4000 }).catch((e) => {
          if (e.code === 'OVNCP_ERR_UNRESOLVABLE') return null;
          throw e;
        });
        if (!ans) continue;
        for (const protocol of ['tcp', 'udp'] as const) {
          for (const r of ans[protocol]) {
            const probes = new Set([r.from, r.to, rng.int(r.from, r.to)]);
            for (const port of probes) {
              const d = await direct(t, { ...req, protocol, destination_port_num: port });
              expect({ protocol, port, reachable: d.reachable, acls: d.acls }).toEqual({
                protocol,
                port,
                reachable: r.reachable,
                acls: aclsOf(r),
              });
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('refuses before tracing when the pieces exceed the limit', async () => {
    const t = loadTopologyText('tricky.yaml', TRICKY);
    let traced = 0;
    const counting: TraceEngine = {
      name: 'model',
      trace: (r, o) => {
        traced++;
        return engine.trace(r, o);
      },
    };
    await expect(
      allowedServices(
        counting,
        { source_port: 'cli', destination_ip: '10.0.1.10' },
        { network: t, maxTraces: 10 },
      ),
    ).rejects.toMatchObject({ code: 'OVNCP_ERR_INVALID_FIELD', field: 'destination_ip' });
    // The ICMP trace and the first TCP trace run (they say which datapaths to read); no more.
    expect(traced).toBeLessThanOrEqual(2);
  });
});

describe('connectivity without ports uses the exact services', () => {
  it('reports the tcp/8443 drop of the issue-19 demo case', async () => {
    // The demo network with one more ACL: vm2-port refuses tcp/8443. The old connectivity tried only
    // the ports allow ACLs name (tcp/80) and answered fully_reachable without a word about 8443.
    const doc = parse(readFileSync('config/demo-network.yaml', 'utf8'));
    const ls1 = doc.switches.find((s: { name: string }) => s.name === 'ls1');
    ls1.acls.push({
      name: 'deny-8443',
      direction: 'to-lport',
      priority: 2000,
      match: 'outport == "vm2-port" && tcp.dst == 8443',
      action: 'drop',
    });
    const t = loadTopologyText('demo-8443.yaml', stringify(doc));
    const r = await connectivity(
      t,
      engine,
      { source_port: 'vm1-port', target_ports: ['vm2-port'] },
      { maxTraces: 500 },
    );
    const target = r.target_ports[0]!;
    expect(target.protocols['tcp:8443']).toBe(false);
    expect(target.blocked_by?.['tcp:8443']).toBe('ACL: deny-8443 (Priority: 2000)');
    expect(target.protocols['tcp:8444-65535']).toBe(true);
    expect(r.recommendations).toContain('vm2-port tcp:8443 is blocked by ACL: deny-8443 (Priority: 2000)');
  });
});
