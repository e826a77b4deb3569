// What-if benchmark on a generated network (default size L: 10k ports, 100 switches, 6k ACLs, 1k port
// groups): for a one-ACL change on a switch, on a port group, and an address-set change, the time to
// apply it to a copy of the topology, to compile the derived topology reusing the live one's compiled
// parts, and the whole comparison of the generated critical paths before and after. The baseline is a
// full compile of the same network (what a derived topology would cost without reuse).
// Run: node --expose-gc --import tsx bench/what-if.bench.ts [SIZE=L] [ROUNDS=7]

import { pathToFileURL } from 'node:url';
import { compileNetwork, createModelEngine } from '../src/engine/model/index.ts';
import { compareTopologies } from '../src/monitor/what-if.ts';
import { buildTopology } from '../src/ovn/topology/build.ts';
import { applyChanges, parseChange } from '../src/ovn/topology/edit/apply.ts';
import type { Topology } from '../src/ovn/topology/types.ts';
import { pathsConfig } from './lib/bench-paths.ts';
import { generate } from './lib/topology-generator.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU milliseconds (user + system) of `fn`: wall time on a shared machine counts other processes. */
function cpuMs<T>(fn: () => T): [T, number] {
  const c0 = process.cpuUsage();
  const v = fn();
  const c = process.cpuUsage(c0);
  return [v, (c.user + c.system) / 1000];
}

function changesFor(t: Topology, kind: string, round: number): unknown[] {
  const sw = [...t.switches.values()].find((s) => s.ports.length > 0)!;
  const pg = [...t.portGroups.values()].find((g) => g.acls.length > 0)!;
  const as = [...t.addressSets.values()][round % t.addressSets.size]!;
  const prio = 3000 + round;
  if (kind === 'switch ACL')
    return [{ nbctl: `acl-add ${sw.name} from-lport ${prio} 'tcp.dst == ${1000 + round}' drop` }];
  if (kind === 'port-group ACL')
    return [
      {
        nbctl: `acl-add ${pg.name} to-lport ${prio} 'outport == @${pg.name} && tcp.dst == ${1000 + round}' drop`,
      },
    ];
  return [{ nbctl: `add Address_Set ${as.name} addresses 192.0.2.${round + 1}` }];
}

export interface WhatIfBenchRow {
  readonly kind: string;
  readonly applyMs: number;
  readonly compileMs: number;
  readonly compareMs: number;
  readonly checks: number;
  readonly reused: number;
}

/** Full compile CPU ms, then per kind of change: apply, derived compile (medians) and one comparison. */
export async function whatIfBench(
  size: string,
  rounds: number,
  log: (line: string) => void = () => {},
): Promise<{ fullMs: number; rows: WhatIfBenchRow[] }> {
  const g = generate(size);
  const live = buildTopology(g.doc, { kind: 'memory', name: `generated ${size}` });
  const config = pathsConfig(g.paths);
  const fullMs = median([0, 1, 2].map(() => cpuMs(() => compileNetwork(live))[1]));
  log(
    `network ${size}: ${live.ports.size} ports, ${live.switches.size} switches; ${config.paths.length} paths`,
  );
  log(
    `baseline: full compile of the network ${fullMs.toFixed(1)} ms CPU (median of 3); figures below are CPU time too`,
  );
  const rows: WhatIfBenchRow[] = [];
  for (const kind of ['switch ACL', 'port-group ACL', 'address set']) {
    const engine = createModelEngine();
    engine.compiled(live);
    const apply: number[] = [];
    const compile: number[] = [];
    let row = { compareMs: 0, checks: 0, reused: 0 };
    for (let r = 0; r < rounds; r++) {
      const [after, applyMs] = cpuMs(() => applyChanges(live, changesFor(live, kind, r).map(parseChange)));
      apply.push(applyMs);
      compile.push(cpuMs(() => engine.compiled(after))[1]);
      engine.compiled(live); // the live network back in front, as the API does after a request
      if (r > 0) continue; // the comparison once per kind: it takes seconds at L
      const c0 = process.cpuUsage();
      const c = await compareTopologies({ before: live, after, config, engine, maxChecks: 1e6 });
      const c1 = process.cpuUsage(c0);
      row = { compareMs: (c1.user + c1.system) / 1000, checks: c.checks, reused: c.reused };
    }
    const r = { kind, applyMs: median(apply), compileMs: median(compile), ...row };
    rows.push(r);
    log(
      `${kind.padEnd(15)} apply ${r.applyMs.toFixed(2)} ms, compile derived ${r.compileMs.toFixed(1)} ms (${(fullMs / r.compileMs).toFixed(0)}x less than a full compile), ` +
        `compare ${r.checks} checks ${r.compareMs.toFixed(0)} ms (${r.reused} answered from the before-trace); apply/compile: median of ${rounds}`,
    );
  }
  return { fullMs, rows };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await whatIfBench(process.argv[2] ?? 'L', Number(process.argv[3] ?? 7), (l) => console.log(l));
