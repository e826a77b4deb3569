// Analysis figures: "who can reach" (reachers) for one destination and one service, and the exact
// allowed services for a source/destination pair, with the model engine on the size's network. The
// goal at L (10k ports) is ≤ 5 s per reachers answer (issue 19). The baseline is tracing every source
// port once (what reachers would cost without grouping alike ports): timed on the same destination.
// Standalone (no OVN needed): npx tsx bench/measure/analysis.ts [SIZE]

import { allowedServices } from '../../src/analysis/allowed-services.ts';
import { reachers } from '../../src/analysis/reachers.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { primaryIp } from '../../src/ovn/topology/port-addresses.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { percentile } from '../lib/stats.ts';
import type { GeneratedPath } from '../lib/topology-generator.ts';

export interface AnalysisFigures {
  /** Ports asked, groups traced, and the slowest / median wall time of a reachers answer. */
  reachersPorts: number;
  reachersClasses: number;
  reachersMaxMs: number;
  reachersP50Ms: number;
  /** Every VIF traced once to the same destination: the ungrouped baseline. */
  everyPortMs: number;
  servicesP50Ms: number;
  servicesMaxMs: number;
  servicesTraces: number;
  samples: number;
}

async function wall<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

export async function measureAnalysis(
  topo: Topology,
  paths: readonly GeneratedPath[],
  samples = 3,
): Promise<AnalysisFigures> {
  const engine = createModelEngine();
  // A first trace compiles the network: the figures are for a daemon that runs, not one that starts.
  const warm = paths.find((p) => p.destination && p.protocol === 'tcp')!;
  await engine
    .trace({ source_port: warm.source_port, destination_ip: '10.0.0.1' }, { network: topo })
    .catch(() => {});
  const targets = paths.filter((p) => p.destination && p.protocol !== 'icmp' && p.port).slice(0, samples);
  const rTimes: number[] = [];
  let ports = 0;
  let classes = 0;
  for (const p of targets) {
    const [a, ms] = await wall(() =>
      reachers(
        engine,
        { destination_port: p.destination!, protocol: p.protocol, port: p.port! },
        {
          network: topo,
          maxSources: 1_000_000,
        },
      ),
    );
    rTimes.push(ms);
    ports = a.considered;
    classes = Math.max(classes, a.classes);
  }
  const first = targets[0]!;
  const ip = primaryIp(topo, first.destination!) ?? undefined;
  const [, everyPortMs] = await wall(async () => {
    for (const sp of topo.ports.values()) {
      if (sp.type !== '' || sp.name === first.destination) continue;
      await engine
        .trace(
          {
            source_port: sp.name,
            destination_ip: ip,
            protocol: first.protocol,
            destination_port_num: first.port,
          },
          { network: topo, detail: 'outcome' },
        )
        .catch(() => {});
    }
  });
  const sTimes: number[] = [];
  let traces = 0;
  for (const p of paths.filter((x) => x.destination).slice(0, samples)) {
    const text = primaryIp(topo, p.destination!);
    if (!text) continue;
    const [a, ms] = await wall(() =>
      allowedServices(
        engine,
        { source_port: p.source_port, destination_ip: text },
        { network: topo, maxTraces: 100_000 },
      ),
    );
    sTimes.push(ms);
    traces = Math.max(traces, a.traces);
  }
  return {
    reachersPorts: ports,
    reachersClasses: classes,
    reachersMaxMs: Math.max(...rTimes),
    reachersP50Ms: percentile(rTimes, 0.5),
    everyPortMs,
    servicesP50Ms: percentile(sTimes, 0.5),
    servicesMaxMs: Math.max(...sTimes),
    servicesTraces: traces,
    samples: targets.length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { generate } = await import('../lib/topology-generator.ts');
  const { buildTopology } = await import('../../src/ovn/topology/build.ts');
  const size = (process.argv[2] ?? 'L').toUpperCase();
  const g = generate(size);
  const topo = buildTopology(g.doc, { kind: 'memory', name: `bench-${size}` });
  console.log(size, JSON.stringify(g.counts));
  console.log(JSON.stringify(await measureAnalysis(topo, g.paths), null, 2));
}
