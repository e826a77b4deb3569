// `npm run bench`: benchmarks each named size (default S,M,L; XL opt-in) against the baseline in one
// run, on a real throwaway OVN per size, and prints one table per size plus a JSON file.
// Usage: npm run bench -- [--size S,M,L] [--out bench/results/latest.json] [--soak-rounds 120]
//        [--steps model,lflow,ovn-trace,analysis,sync,change,change-lflow,soak] [--sample ONE_SHOT,DAEMON,VIP]
//        [--release 23.03|25.03|26.03] | --table FILE
// --release runs the test bed's NB, SB and ovn-northd of that OVN release (25.03, 26.03: the cached Debian
// chroots of test/helpers/ovn-chroot.ts, built first when missing and root); default the host's 23.03.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { type OvnRelease, RELEASES } from '../test/helpers/ovn-chroot.ts';
import { benchSize, type SizeOptions, type SizeResult } from './lib/bench-size.ts';
import { table } from './lib/report.ts';
import { rowsOf } from './lib/size-rows.ts';
import { SIZES } from './lib/topology-generator.ts';
import type { SampleSizes } from './measure/ovn-trace.ts';

/** Sample sizes for real ovn-trace: one-shot at L reads a 60k-flow SB per trace (~20 s each). */
const SAMPLES: Record<string, SampleSizes> = {
  S: { oneShot: 20, daemon: 100, vip: 10 },
  M: { oneShot: 10, daemon: 100, vip: 5 },
  L: { oneShot: 2, daemon: 100, vip: 2 },
  XL: { oneShot: 1, daemon: 20, vip: 0 },
};

export interface BenchOptions extends Partial<Omit<SizeOptions, 'outDir' | 'log'>> {
  readonly sizes: readonly string[];
  readonly out: string;
  readonly log?: (msg: string) => void;
}

export function machine(release?: OvnRelease): Record<string, string | number> {
  const host = execFileSync('ovn-nbctl', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  const ovn = release && release !== '23.03' ? `OVN ${release} (Debian chroot)` : host;
  const load = loadavg()[0]!.toFixed(1);
  return { cpus: availableParallelism(), cpu: cpus()[0]?.model ?? '?', node: process.version, ovn, load };
}

export async function runBench(o: BenchOptions): Promise<SizeResult[]> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const results: SizeResult[] = [];
  for (const size of o.sizes) {
    results.push(
      await benchSize(size, {
        outDir: dirname(o.out),
        sample: o.sample ?? SAMPLES[size] ?? SAMPLES.S!,
        modelMinMs: o.modelMinMs ?? 3000,
        flips: o.flips ?? 3,
        soakRounds: o.soakRounds ?? 120,
        soakBudgetMs: o.soakBudgetMs ?? 300_000,
        renderSeries: o.renderSeries ?? [10_000, 100_000],
        ...(o.steps ? { steps: o.steps } : {}),
        ...(o.release ? { release: o.release } : {}),
        log,
      }),
    );
    const at = new Date().toISOString();
    writeFileSync(o.out, `${JSON.stringify({ at, machine: machine(o.release), results }, null, 2)}\n`);
  }
  return results;
}

function parseArgs(argv: string[]): {
  sizes: string[];
  out: string;
  soakRounds?: number;
  steps?: ReadonlySet<string>;
  sample?: SampleSizes;
  release?: OvnRelease;
} {
  const get = (name: string) => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    return argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  };
  const sizes = (get('size') ?? 'S,M,L').split(',').map((s) => s.trim().toUpperCase());
  for (const s of sizes)
    if (!SIZES[s]) throw new Error(`--size: unknown size "${s}" (sizes: ${Object.keys(SIZES).join(', ')})`);
  const rounds = get('soak-rounds');
  if (rounds !== undefined && !(Number(rounds) >= 1)) throw new Error('--soak-rounds: must be a number ≥ 1');
  const steps = get('steps');
  const release = get('release');
  if (release !== undefined && !RELEASES.includes(release as OvnRelease))
    throw new Error(`--release: unknown release "${release}" (releases: ${RELEASES.join(', ')})`);
  const sample = get('sample'); // one-shot,daemon,vip
  const [oneShot, daemon, vip] = (sample ?? '').split(',').map(Number);
  return {
    sizes,
    out: get('out') ?? join(import.meta.dirname, 'results', 'latest.json'),
    ...(rounds ? { soakRounds: Number(rounds) } : {}),
    ...(steps ? { steps: new Set(steps.split(',')) } : {}),
    ...(sample ? { sample: { oneShot: oneShot!, daemon: daemon!, vip: vip ?? 0 } } : {}),
    ...(release ? { release: release as OvnRelease } : {}),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // --table FILE: print the tables of an earlier run's JSON again (no measuring).
  const again = argv.indexOf('--table');
  if (again >= 0) {
    const saved = JSON.parse(readFileSync(argv[again + 1] ?? '', 'utf8'));
    printTables(saved.machine, saved.results);
    return;
  }
  const args = parseArgs(argv);
  const results = await runBench(args);
  printTables(machine(args.release), results);
  console.log(`\nJSON: ${args.out}`);
}

function printTables(m: Record<string, string | number>, results: readonly SizeResult[]): void {
  console.log(`\nmachine: ${m.cpus} cores (${m.cpu}), Node ${m.node}, ${m.ovn}, load average ${m.load}`);
  for (const r of results) console.log(`\n${table(`size ${r.size}`, rowsOf(r))}`);
}

if (process.argv[1] === import.meta.filename) {
  main().catch((err) => {
    console.error(`bench: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
