// Model engine benchmark on a generated large network (size L of bench/lib/topology-generator.ts:
// 100 node switches, 10k ports, 1 router, 6k ACLs, 1k port groups, 1k address sets plus one of 10k
// IPs, 1k LB VIPs): topology build and compile time, heap used by the compiled form, and traces per
// second on one core (full engine.trace incl. request resolution, and pre-resolved; detail 'full' and
// 'outcome'), and the recompile of a changed topology that reuses the previous compiled network.
// Prints the ovn-trace figures of DESIGN.md §6 as the baseline.
// Run: node --expose-gc --import tsx bench/model.bench.ts [SIZE=L] [TRACES=20000]

import { compileNetwork, createModelEngine, traceResolved } from '../src/engine/model/index.ts';
import { resolveRequest } from '../src/engine/resolve.ts';
import { toTraceResult } from '../src/engine/result/api.ts';
import { outcomeOf } from '../src/engine/result/outcome.ts';
import type { TraceRequest } from '../src/engine/types.ts';
import { buildTopology } from '../src/ovn/topology/build.ts';
import type { Acl, Topology } from '../src/ovn/topology/types.ts';
import { pathRequest } from './lib/path-requests.ts';
import { generate } from './lib/topology-generator.ts';

/** DESIGN.md §6: ovn-trace on the same size (10k ports, 6k ACLs, 60k logical flows). */
const BASELINE = { daemonMsPerTrace: 25, oneShotMs: 20_000, daemonStartMs: 19_000, oneShotRssMb: 2500 };

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

function requests(t: Topology, size: string, n: number): TraceRequest[] {
  const out: TraceRequest[] = [];
  for (const p of generate(size).paths) {
    const req = pathRequest(t, p);
    if (req) out.push(req);
  }
  while (out.length < n && out.length > 0) out.push(out[out.length % Math.max(1, out.length)]!);
  return out.slice(0, n);
}

async function main(): Promise<void> {
  const size = process.argv[2] ?? 'L';
  const n = Number(process.argv[3] ?? 20_000);
  const g = generate(size);
  const heap0 = heapMb();
  let t0 = performance.now();
  const topology = buildTopology(g.doc, { kind: 'memory', name: `generated ${size}` });
  const buildMs = performance.now() - t0;
  const heap1 = heapMb();
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const net = compileNetwork(topology);
  const cpu1 = process.cpuUsage(cpu0);
  const compileMs = performance.now() - t0;
  const compileCpuMs = (cpu1.user + cpu1.system) / 1000;
  const heap2 = heapMb();
  const acls =
    [...topology.switches.values()].reduce((s, x) => s + x.acls.length, 0) +
    [...topology.portGroups.values()].reduce((s, x) => s + x.acls.length, 0);
  console.log(
    `network ${size}: ${topology.switches.size} switches, ${topology.ports.size} ports, ${topology.routers.size} router(s), ${acls} ACLs, ${topology.portGroups.size} port groups, ${topology.addressSets.size} address sets (largest ${Math.max(...[...topology.addressSets.values()].map((a) => a.addresses.length))}), ${[...topology.loadBalancers.values()].reduce((s, l) => s + l.vips.length, 0)} VIPs`,
  );
  console.log(`topology build: ${buildMs.toFixed(0)} ms, heap +${(heap1 - heap0).toFixed(0)} MB`);
  console.log(
    `model compile:  ${compileMs.toFixed(0)} ms wall, ${compileCpuMs.toFixed(0)} ms CPU, heap +${(heap2 - heap1).toFixed(0)} MB (total heap ${heap2.toFixed(0)} MB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB)`,
  );

  const reqs = requests(topology, size, n);
  const resolved = reqs.map((r) => resolveRequest(topology, r));
  // CPU time, not wall time: the benchmark machine is shared, and "traces/s on one core" is the claim.
  const pass = (): [number, number] => {
    let delivered = 0;
    const c = process.cpuUsage();
    for (let i = 0; i < reqs.length; i++) if (traceResolved(net, reqs[i]!, resolved[i]!).reached) delivered++;
    const d = process.cpuUsage(c);
    return [(d.user + d.system) / 1000, delivered];
  };
  const [coldMs, delivered] = pass();
  const [warmMs] = pass();
  const engine = createModelEngine();
  for (const r of reqs) await engine.trace(r, { network: topology });
  // Each pass includes its rendering: the API JSON for 'full' (what /trace/flow returns), the
  // monitor's outcome for 'outcome' (what a scheduled check keeps).
  const enginePass = async (detail: 'full' | 'outcome'): Promise<number> => {
    const c0 = process.cpuUsage();
    if (detail === 'full')
      for (const r of reqs) toTraceResult(await engine.trace(r, { network: topology, detail }));
    else for (const r of reqs) outcomeOf(await engine.trace(r, { network: topology, detail }));
    const c1 = process.cpuUsage(c0);
    return (c1.user + c1.system) / 1000;
  };
  const fullMs = Math.min(await enginePass('full'), await enginePass('full'));
  const outcomeMs = Math.min(await enginePass('outcome'), await enginePass('outcome'));
  const us = (ms: number) => ((ms * 1000) / reqs.length).toFixed(1);
  const perS = (ms: number) => Math.round(reqs.length / (ms / 1000)).toLocaleString('en');
  console.log(`traces: ${reqs.length} (${delivered} reach their destination)`);
  console.log(
    `model, first pass (compiles ACL matches on first use): ${us(coldMs)} µs/trace, ${perS(coldMs)} traces/s`,
  );
  console.log(`(trace figures are CPU time of this process)`);
  console.log(`model, warm, pre-resolved:  ${us(warmMs)} µs/trace, ${perS(warmMs)} traces/s (one core)`);
  console.log(
    `model, warm, engine.trace() + API JSON: ${us(fullMs)} µs/trace, ${perS(fullMs)} traces/s (one core, incl. request resolution; best of 2)`,
  );
  console.log(
    `model, warm, engine.trace(detail 'outcome') + outcome: ${us(outcomeMs)} µs/trace, ${perS(outcomeMs)} traces/s (best of 2)`,
  );
  recompile(topology, net);
  console.log(
    `heap after tracing: ${heapMb().toFixed(0)} MB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
  );
  if (process.env.EAGER) {
    t0 = performance.now();
    const eager = compileNetwork(topology, { eager: true });
    console.log(
      `eager compile of every ACL match: ${(performance.now() - t0).toFixed(0)} ms (${eager.problems.length} ACLs OVN would ignore)`,
    );
  }
  console.log(
    `baseline ovn-trace (DESIGN.md §6, same size): daemon ~${BASELINE.daemonMsPerTrace} ms/trace (~${Math.round(1000 / BASELINE.daemonMsPerTrace)}/s) after a ~${BASELINE.daemonStartMs / 1000} s start; one-shot ~${BASELINE.oneShotMs / 1000} s and ~${BASELINE.oneShotRssMb} MB per trace`,
  );
}

/** A topology sharing every row with `t` except one port group, which gets one more drop ACL. */
function withChangedGroup(t: Topology): Topology {
  const g = [...t.portGroups.values()].find((x) => x.acls.length > 0)!;
  const acl: Acl = {
    ...g.acls[0]!,
    uuid: `${g.acls[0]!.uuid.slice(0, -4)}beef`,
    priority: 2000,
    action: 'drop',
  };
  const portGroups = new Map(t.portGroups).set(g.name, { ...g, acls: [...g.acls, acl] });
  return { ...t, portGroups, builtAt: t.builtAt + 1 };
}

/** Recompile with the previous network (nothing changed; one port group's ACLs changed) vs from scratch. */
function recompile(t: Topology, prev: ReturnType<typeof compileNetwork>): void {
  const median = (f: () => void) => {
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const c = process.cpuUsage();
      f();
      const d = process.cpuUsage(c);
      ms.push((d.user + d.system) / 1000);
    }
    return ms.sort((a, b) => a - b)[2]!.toFixed(1);
  };
  const same = { ...t, builtAt: t.builtAt + 1 };
  const changed = withChangedGroup(t);
  const r = compileNetwork(changed, { previous: prev }).reused;
  console.log(
    `recompile reusing the previous network (CPU, median of 5): unchanged ${median(() => compileNetwork(same, { previous: prev }))} ms; one port group's ACLs changed ${median(() => compileNetwork(changed, { previous: prev }))} ms (${r.switches}/${t.switches.size} switches, ${r.acls} ACL matches reused); from scratch ${median(() => compileNetwork(changed))} ms`,
  );
}

await main();
