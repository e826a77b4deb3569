// Vitest: most test files wait on real programs (OVN daemons, northd, Prometheus, Chromium, spawned
// daemons), not on the CPU, so they run two at a time even on a 2-core CI machine (vitest's default
// there is ONE file at a time: cores - 1). The files that assert wall-clock latencies (a verdict within
// 1 s, /-/healthy within 100 ms, p99 under load) run afterwards, one at a time, on a machine the rest
// of the suite no longer loads.
import { defineConfig } from 'vitest/config';

/** Files whose assertions are wall-clock latencies: run alone, after the others. */
export const TIMING_FILES = [
  'test/api/load-shed.test.ts',
  'test/api/probe.test.ts',
  'test/api/shutdown.test.ts',
  'test/monitor/live-ovn.test.ts',
  'test/monitor/monitor-daemon.test.ts',
  'test/monitor/reload-hardening.test.ts',
  'test/monitor/scheduler.test.ts',
  'test/ovsdb/huge-transaction.test.ts',
  'test/ovsdb/probe-interval.test.ts',
  'test/ovsdb/restart.test.ts',
];

/**
 * Files at once in the first group; OVNCP_TEST_WORKERS overrides (1 = the old serial run). Two: a serial
 * pass already keeps about one core busy (the test process plus the OVN daemons, Chromium, Prometheus and
 * CLI children it starts: ~480 s of CPU for ~460-550 s of wall), so a third file at once would mostly
 * queue for the CPU on a 2-core runner and stretch the tests' own timeouts.
 */
const WORKERS = Number(process.env.OVNCP_TEST_WORKERS ?? 2);

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: TIMING_FILES,
          maxWorkers: WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'timing',
          include: TIMING_FILES,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
