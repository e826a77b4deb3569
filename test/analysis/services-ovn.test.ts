// The exact allowed services against real ovn-trace (OVN 23.03 test bed): on generated networks, for
// source/destination pairs, every TCP and UDP range the model's services answer gives is traced by
// ovn-trace at both ends and at a random port inside; the range's verdict (reaches the destination
// port or not) must be ovn-trace's at each. This checks the method (cutting the port space at the
// constants compared against) with OVN's own reading of the matches, not only with the model's.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allowedServices } from '../../src/analysis/allowed-services.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';
import { loadTopologyText } from '../../src/sources/file.ts';
import { genNetwork, Rng } from '../conformance/generator.ts';
import { OvnTraceOracle } from '../conformance/ovn-oracle.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

const NETWORKS = Number(process.env.OVNCP_SERVICES_NETWORKS ?? 8);

describe.skipIf(skipWithoutOvn())('exact allowed services agree with real ovn-trace', () => {
  let tb: OvnTestbed;
  beforeAll(async () => {
    tb = await startOvn();
  }, 60_000);
  afterAll(async () => {
    await tb?.stop();
  });

  it(`at range ends and inside ranges on ${NETWORKS} generated networks`, async () => {
    const engine = createModelEngine();
    const rng = new Rng(1919);
    const oracle = new OvnTraceOracle(tb, ['--select-id=1']);
    const disagreements: unknown[] = [];
    let probes = 0;
    let open = 0;
    try {
      for (let n = 0, loaded = 0; loaded < NETWORKS && n < NETWORKS * 4; n++) {
        const gen = genNetwork(rng, { lb: n % 2 === 1 });
        // ovn-trace follows one ECMP member per run; the services answer is for all of them.
        if (gen.ecmp) continue;
        const t = buildTopology(gen.doc, { kind: 'memory', name: `services-ovn-${n}` });
        await tb.loadSnapshot(gen.doc);
        await oracle.restart();
        loaded++;
        for (let k = 0; k < 3; k++) {
          const src = rng.pick(gen.ports);
          const dst = rng.pick(gen.ports.filter((p) => p !== src));
          const req = { source_port: src.name, destination_ip: dst.ip4 };
          const ans = await allowedServices(engine, req, { network: t, maxTraces: 4000 }).catch((e) => {
            if (e.code === 'OVNCP_ERR_UNRESOLVABLE') return null;
            throw e;
          });
          if (!ans) continue;
          for (const protocol of ['tcp', 'udp'] as const) {
            for (const r of ans[protocol]) {
              if (r.reachable) open++;
              for (const port of new Set([r.from, r.to, rng.int(r.from, r.to)])) {
                const resolved = resolveRequest(t, { ...req, protocol, destination_port_num: port });
                const ovn = (await oracle.trace(resolved)).ports.includes(dst.name);
                probes++;
                if (ovn !== r.reachable)
                  disagreements.push({
                    n,
                    src: src.name,
                    dst: dst.name,
                    protocol,
                    port,
                    range: [r.from, r.to],
                    model: r.reachable,
                    ovn,
                  });
              }
            }
          }
        }
      }
    } finally {
      await oracle.stop();
    }
    console.log(
      `services vs ovn-trace: ${probes - disagreements.length}/${probes} probes agree, ${open} open ranges`,
    );
    expect(disagreements).toEqual([]);
    // Both verdicts must be exercised, or agreement means little.
    expect(open).toBeGreaterThan(5);
    expect(probes).toBeGreaterThan(100);
  }, 300_000);

  it('on the network of masks, subfields, ranges and a router policy, at every range end', async () => {
    const text = readFileSync('test/fixtures/topology/services-tricky.yaml', 'utf8');
    const t = loadTopologyText('services-tricky.yaml', text);
    await tb.loadSnapshot(parse(text));
    const oracle = new OvnTraceOracle(tb);
    await oracle.restart();
    const req = { source_port: 'cli', destination_ip: '10.0.1.10' };
    const ans = await allowedServices(createModelEngine(), req, { network: t, maxTraces: 4000 });
    const wrong: unknown[] = [];
    try {
      for (const protocol of ['tcp', 'udp'] as const)
        for (const r of ans[protocol])
          for (const port of new Set([r.from, r.to])) {
            const resolved = resolveRequest(t, { ...req, protocol, destination_port_num: port });
            const ovn = (await oracle.trace(resolved)).ports.includes('srv');
            if (ovn !== r.reachable)
              wrong.push({ protocol, port, range: [r.from, r.to], model: r.reachable, ovn });
          }
    } finally {
      await oracle.stop();
    }
    expect(wrong).toEqual([]);
    expect(ans.tcp.filter((r) => r.reachable).length).toBeGreaterThan(10);
  }, 120_000);
});
