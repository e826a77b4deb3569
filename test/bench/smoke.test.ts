// S-size smoke run of `npm run bench` (bench/run.ts) in CI, with small samples, so the benchmark keeps
// working as the code it measures changes: every step must produce figures, on a real throwaway OVN
// and a real `serve` process.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { table } from '../../bench/lib/report.ts';
import { rowsOf } from '../../bench/lib/size-rows.ts';
import { runBench } from '../../bench/run.ts';
import { skipWithoutOvn } from '../helpers/ovn-testbed.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovncp-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(skipWithoutOvn())('bench smoke (size S)', () => {
  it('measures every figure and writes the table and JSON', { timeout: 180_000 }, async () => {
    const out = join(dir, 'latest.json');
    const [r] = await runBench({
      sizes: ['S'],
      out,
      sample: { oneShot: 2, daemon: 10, vip: 1 },
      modelMinMs: 300,
      flips: 1,
      soakRounds: 12,
      renderSeries: [10_000],
      log: () => {},
    });
    const steps = { model: r!.model, ovnTrace: r!.ovnTrace, sync: r!.sync, change: r!.change, soak: r!.soak };
    for (const [name, s] of Object.entries(steps)) expect(s.ok ? '' : `${name}: ${s.error}`).toBe('');
    if (!r!.model.ok || !r!.ovnTrace.ok || !r!.sync.ok || !r!.change.ok || !r!.soak.ok) return;

    expect(r!.counts.paths).toBe(100);
    expect(r!.counts.logicalFlows).toBeGreaterThan(100);
    // The generator's expectations hold on the model, and real ovn-trace agrees on the sample.
    expect(r!.model.value.expectationMet).toBe(100);
    expect(r!.model.value.tracesPerCpuSec).toBeGreaterThan(0);
    const a = r!.ovnTrace.value.agreement;
    expect(a.traced).toBe(13);
    expect(a.disagreements).toEqual([]);
    expect(r!.ovnTrace.value.daemonP50Ms).toBeGreaterThan(0);
    expect(r!.sync.value.matchesSnapshot).toBe(true);
    // Every benign ovn-nbctl change (5 kinds, 3 runs) produced a new topology.
    expect(r!.sync.value.changeMs).toHaveLength(15);
    expect(r!.sync.value.changeMs.every((ms) => ms >= 0)).toBe(true);
    // One ACL added and removed: the flipped series seen both ways.
    expect(r!.change.value.afterCommitMs).toHaveLength(2);
    expect(r!.change.value.series).toBeGreaterThan(500);
    expect(r!.soak.value.checksRun).toBe(1200);
    expect(r!.render[0]!.ok && r!.render[0]!.value.series).toBeGreaterThanOrEqual(10_000);

    const saved = JSON.parse(readFileSync(out, 'utf8'));
    expect(saved.results[0].size).toBe('S');
    const text = table('size S', rowsOf(r!));
    expect(text).not.toContain('n/a');
    expect(text).toContain('| model compile |');
  });
});
