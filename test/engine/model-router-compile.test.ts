// Routers compile once: the compiled router holds its routes per route table (one compiler, one
// CompiledRoute per route whichever table lists it), its distributed-gateway-port NAT, its reroute
// targets and its warnings; a trace only looks them up. The route and gateway compilers are wrapped in
// spies (the real functions run) to show that traces call neither. The verdicts of these networks are
// checked against real ovn-trace in scenarios.test.ts.

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { compileGatewayPorts } from '../../src/engine/model/compile/gateway-port.ts';
import { compileRoutes } from '../../src/engine/model/compile/route-table.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { SnapshotDoc } from '../../src/ovn/topology/snapshot-schema.ts';
import { traceApi } from '../helpers/trace.ts';
import { SCENARIOS } from './scenarios.ts';

vi.mock('../../src/engine/model/compile/route-table.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/engine/model/compile/route-table.ts')>();
  return {
    ...real,
    compileRoutes: vi.fn((...a: Parameters<typeof real.compileRoutes>) => real.compileRoutes(...a)),
  };
});
vi.mock('../../src/engine/model/compile/gateway-port.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/engine/model/compile/gateway-port.ts')>();
  return {
    ...real,
    compileGatewayPorts: vi.fn((...a: Parameters<typeof real.compileGatewayPorts>) =>
      real.compileGatewayPorts(...a),
    ),
  };
});

function scenario(name: string): { doc: SnapshotDoc; request: TraceRequest } {
  const s = SCENARIOS.find((x) => x.name.startsWith(name));
  if (!s || s.network === 'demo') throw new Error(`no scenario ${name}`);
  return { doc: s.network, request: s.request };
}

function engineFor(doc: SnapshotDoc) {
  const t = buildTopology(doc, { kind: 'memory', name: 'router compile test' });
  const e = createModelEngine();
  return { compiled: () => e.compiled(t), trace: (r: TraceRequest) => traceApi(e, t, r) };
}

const tables = scenario('route table reached from a switch').doc;
const routes = scenario('route table: a port with route_table').doc;
const dgp = scenario('floating IP in').doc;

describe('model: routers compile once', () => {
  // Braces: a function returned by beforeEach would be run as its teardown.
  beforeEach(() => {
    vi.mocked(compileRoutes).mockClear();
    vi.mocked(compileGatewayPorts).mockClear();
  });

  it('holds one compiled route per route, each with its table, and a lookup table per inport', () => {
    const lr = engineFor(tables).compiled().routers.get('lr')!;
    const statics = lr.routes.all.filter((r) => r.kind === 'static');
    expect(statics.map((r) => [r.text, r.table])).toEqual([
      ['static route 10.99.0.0/16 via discard', ''],
      ['static route 10.98.0.0/16 via discard in route table rtA', 'rtA'],
      ['static route 10.98.0.0/16 via 10.1.0.21', ''],
      ['static route 172.16.0.0/16 via 10.1.0.21', ''],
      ['static route 10.4.0.0/16 via 10.3.0.2', ''],
    ]);
    const rtA = lr.inports.get('lr-a')!.routes;
    expect(lr.inports.get('lr-p')!.routes).toBe(rtA);
    expect(rtA.name).toBe('rtA');
    expect(lr.inports.get('lr-b')!.routes).toBe(lr.routes.global);
    const inTable = (t: typeof rtA) => t.groups.flatMap((g) => [...g.byPrefix.values()].flat());
    // rtA: its own routes and the connected ones, no global dst-ip route (DESIGN.md §3).
    expect(inTable(rtA).map((r) => r.table === 'rtA' || r.kind === 'connected')).not.toContain(false);
    expect(inTable(rtA)).toContain(statics[1]);
    expect(inTable(lr.routes.global)).not.toContain(statics[1]);
    expect(inTable(lr.routes.global)).toContain(statics[0]);
    // A connected route is one object in both tables: one compiler, not a copy per table.
    const connected = lr.routes.all.find((r) => r.kind === 'connected')!;
    expect(inTable(rtA)).toContain(connected);
    expect(inTable(lr.routes.global)).toContain(connected);
  });

  it('compiles a discard route the same whatever its table', () => {
    const lr = engineFor(tables).compiled().routers.get('lr')!;
    const discards = lr.routes.all.filter((r) => r.discard);
    expect(discards.map((r) => r.table)).toEqual(['', 'rtA']);
    for (const r of discards) expect([r.outport, r.nexthop, r.outMac]).toEqual([null, null, -1n]);
    // The same route in a router without any route table compiles to the same object shape.
    const plain = structuredClone(tables);
    for (const p of plain.routers![0]!.ports!) delete p.options;
    plain.routers![0]!.static_routes = plain.routers![0]!.static_routes!.filter((r) => !r.route_table);
    const global = engineFor(plain)
      .compiled()
      .routers.get('lr')!
      .routes.all.find((r) => r.discard)!;
    expect({ ...global, route: null }).toEqual({ ...discards[0]!, route: null });
  });

  it('drops by the table discard route whether the packet comes from a switch or a peer router', async () => {
    const e = engineFor(tables);
    const why = async (source_port: string, destination_ip: string) =>
      (
        await e.trace({
          source_port,
          destination_ip,
          protocol: 'tcp',
          destination_port_num: 80,
          verbose: true,
        })
      ).dropped_at?.description;
    const tableDiscard =
      'Dropped by static route 10.98.0.0/16 via discard in route table rtA (discard) on lr';
    expect(await why('pa', '10.98.1.1')).toBe(tableDiscard);
    expect(await why('pe', '10.98.1.1')).toBe(tableDiscard);
    expect(await why('pb', '10.99.1.1')).toBe(
      'Dropped by static route 10.99.0.0/16 via discard (discard) on lr',
    );
    // The global discard route is a dst-ip route: it does not apply to ports of rtA.
    for (const from of ['pa', 'pe'])
      expect(await why(from, '10.99.1.1')).toBe(
        'No route to 10.99.1.1 on router lr in route table rtA (global dst-ip routes do not apply to its ports)',
      );
  });

  it('traces without compiling routes or gateway ports again', async () => {
    for (const doc of [tables, routes, dgp]) {
      const e = engineFor(doc);
      const routers = e.compiled().routers.size;
      const compiled = [
        vi.mocked(compileRoutes).mock.calls.length,
        vi.mocked(compileGatewayPorts).mock.calls.length,
      ];
      expect(compiled[0]).toBe(routers);
      for (const s of SCENARIOS.filter((x) => x.network === doc))
        for (let i = 0; i < 3; i++) await e.trace(s.request);
      expect([
        vi.mocked(compileRoutes).mock.calls.length,
        vi.mocked(compileGatewayPorts).mock.calls.length,
      ]).toEqual(compiled);
      vi.mocked(compileRoutes).mockClear();
      vi.mocked(compileGatewayPorts).mockClear();
    }
  });

  it('holds gateway-port NAT and reroute targets, and warns about what installs no flow on every trace through it', async () => {
    const d = engineFor(dgp).compiled().routers.get('lr')!;
    expect(d.dgp?.dgps.map((p) => p.name)).toEqual(['lr-public']);
    expect(d.dgp?.nats.map((n) => [n.nat.type, n.distributed])).toEqual([
      ['dnat_and_snat', true],
      ['snat', false],
    ]);
    const e = engineFor(routes);
    const lr = e.compiled().routers.get('lr')!;
    // Priority 200 names a next hop no port reaches: northd installs no flow for it.
    expect(lr.policies.map((p) => [p.policy.priority, p.targets.map((t) => t.port.name)])).toEqual([
      [100, ['lr-b', 'lr-b']],
    ]);
    const note = lr.ignored.find((n) => n.startsWith('router policy priority 200 on lr ignored'));
    expect(note).toBeDefined();
    const through = await e.trace({ source_port: 'pb', destination_ip: '192.168.1.1', protocol: 'icmp' });
    expect(through.warnings).toContain(note);
    const local = await e.trace({ source_port: 'pb', destination_ip: '10.1.0.21', protocol: 'icmp' });
    expect(local.warnings).not.toContain(note);
  });
});
