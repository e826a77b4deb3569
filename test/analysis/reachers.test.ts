// Who can reach a port (src/analysis/reachers.ts): the grouping of source ports into classes is sound
// when every member of a class traces exactly as its representative does. On generated networks (port
// groups, address sets, port security, routers, NAT, load balancers) every member of every class is
// traced to several destinations and services and compared with its class's representative.

import { describe, expect, it } from 'vitest';
import { reachers } from '../../src/analysis/reachers.ts';
import { sourceClasses } from '../../src/analysis/source-classes.ts';
import { topologyRefs } from '../../src/engine/model/compile/refs.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { allowedByView } from '../../src/engine/result/outcome.ts';
import type { TraceRequest } from '../../src/engine/types.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';
import { DPORTS, type GenNet, type GenPort, genNetwork, Rng } from '../conformance/generator.ts';

const engine = createModelEngine();

type Doc = GenNet['doc'];

/**
 * Adds look-alike ports to a generated network: copies of a VIF on the same switch with their own MAC
 * and addresses (some inside the generated CIDR constants, some not), in the same port groups and
 * address sets or, at random, not. The generator alone makes few ports per switch, so classes would
 * rarely have two members; twins make the grouping claim something that can be wrong.
 */
function addTwins(rng: Rng, doc: Doc, ports: GenPort[]): void {
  let n = 0;
  for (const sw of doc.switches ?? []) {
    for (const orig of [...(sw.ports ?? [])]) {
      const g = ports.find((p) => p.name === orig.name);
      if (!g || !rng.chance(0.7)) continue;
      for (let k = 1; k <= rng.int(1, 3); k++) {
        n++;
        const mac = `0a:00:00:00:${(0x80 + g.sw).toString(16)}:${n.toString(16).padStart(2, '0')}`;
        const ip4 = rng.chance(0.5) ? `10.${g.sw}.0.${100 + n}` : `10.${g.sw}.${rng.int(1, 200)}.${n}`;
        const ip6 = g.ip6 ? `fd00:${g.sw}::${(0x100 + n).toString(16)}` : null;
        const swap = (text: string) =>
          text
            .replace(g.mac, mac)
            .replace(g.ip4, ip4)
            .replace(g.ip6 ?? '\u0000', ip6 ?? '');
        const name = `${g.name}t${k}`;
        sw.ports!.push({
          ...orig,
          name,
          addresses: (orig.addresses ?? []).map(swap),
          port_security: (orig.port_security ?? []).map(swap),
        });
        ports.push({ ...g, name, mac, ip4, ip6 });
        for (const pg of doc.port_groups ?? [])
          if (pg.ports?.includes(g.name) && rng.chance(0.8)) pg.ports.push(name);
        for (const as of doc.address_sets ?? [])
          if (as.addresses?.includes(g.ip4) && rng.chance(0.5)) as.addresses.push(ip4);
      }
    }
  }
}

/** A trace reduced to what must be equal inside a class: verdict, outputs, deciding ACLs. */
async function outcome(t: Topology, req: TraceRequest): Promise<string> {
  try {
    const tree = await engine.trace(req, { network: t, detail: 'outcome' });
    const acls = allowedByView(tree).map((a) => `${a.datapath}/${a.stage}/${a.acl?.uuid ?? '-'}`);
    const dropped = tree.shown.dropped;
    return JSON.stringify([tree.reached, [...tree.outputPorts].sort(), acls, dropped?.stage ?? null]);
  } catch (e) {
    return `error ${(e as { code?: string }).code}`;
  }
}

describe('source classes are sound', () => {
  it('every member of every class traces as its representative on generated networks', async () => {
    const rng = new Rng(3190);
    let members = 0;
    let grouped = 0;
    for (let n = 0; n < 60; n++) {
      const gen = genNetwork(rng, { lb: n % 2 === 1 });
      addTwins(rng, gen.doc, gen.ports);
      const t = buildTopology(gen.doc, { kind: 'memory', name: `reachers-${n}` });
      for (let k = 0; k < 4; k++) {
        const dst = rng.pick(gen.ports);
        const { classes } = sourceClasses(t, topologyRefs(t), 4, dst.name);
        const protocol = rng.pick(['tcp', 'udp', 'icmp'] as const);
        const port = protocol === 'icmp' ? undefined : rng.pick(DPORTS);
        for (const c of classes) {
          const req = (source_port: string): TraceRequest => ({
            source_port,
            source_mac: c.mac,
            source_ip: c.ip,
            destination_ip: dst.ip4,
            protocol,
            ...(port === undefined ? {} : { destination_port_num: port }),
          });
          const want = await outcome(t, req(c.ports[0]!));
          for (const member of c.ports.slice(1)) {
            // Each member sends from its own addresses: the class promises those trace alike.
            const p = gen.ports.find((x) => x.name === member)!;
            const got = await outcome(t, { ...req(member), source_mac: p.mac, source_ip: p.ip4 });
            expect({ member, of: c.ports[0], got }).toEqual({ member, of: c.ports[0], got: want });
            members++;
          }
          if (c.ports.length > 1) grouped++;
        }
      }
    }
    // The check means something only if classes with several members were formed.
    expect(grouped).toBeGreaterThan(10);
    expect(members).toBeGreaterThan(30);
  });
});

describe('reachers', () => {
  it('answers who reaches the database on tcp/3306 in the demo', async () => {
    const t = loadDemoTopology();
    const a = await reachers(
      engine,
      { destination_port: 'db-server-port', port: 3306 },
      { network: t, maxSources: 100 },
    );
    expect(a.sources.map((s) => s.ports)).toEqual([['web-server-2-port', 'web-server-port']]);
    expect(a.sources[0]!.switch).toBe('ls-web');
    expect(a.sources[0]!.port_groups).toEqual(['pg_web']);
    expect(a.sources[0]!.allowed_by.map((x) => x.acl?.acl_name ?? null)).toEqual([
      null,
      'db-allow-mysql-from-web',
    ]);
    expect(a).toMatchObject({ protocol: 'tcp', port: 3306, reaching: 2, considered: 9 });
  });

  it('names the field at fault and refuses above the source limit before tracing', async () => {
    const t = loadDemoTopology();
    const opts = { network: t, maxSources: 100 };
    await expect(reachers(engine, { destination_port: 'nope', port: 1 }, opts)).rejects.toMatchObject({
      field: 'destination_port',
    });
    await expect(
      reachers(engine, { destination_port: 'db-server-port', protocol: 'tcp' }, opts),
    ).rejects.toMatchObject({
      field: 'port',
    });
    let traced = 0;
    const counting = {
      name: 'model' as const,
      trace: (...a: Parameters<typeof engine.trace>) => {
        traced++;
        return engine.trace(...a);
      },
    };
    await expect(
      reachers(counting, { destination_port: 'db-server-port', port: 3306 }, { network: t, maxSources: 2 }),
    ).rejects.toMatchObject({ code: 'OVNCP_ERR_INVALID_FIELD', field: 'destination_port' });
    expect(traced).toBe(0);
  });
});
