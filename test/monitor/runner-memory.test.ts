// A check run leaves nothing behind: no listener on the daemon's shutdown signal and no heap growth per
// run (AbortSignal.any() on the long-lived shutdown signal used to keep ~2.4 KB per check on Node 20).

import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { expandPaths } from '../../src/monitor/expand.ts';
import { loadPathsFile } from '../../src/monitor/paths-config.ts';
import { runCheck } from '../../src/monitor/runner.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('runCheck memory', () => {
  const topology = loadDemoTopology();
  const engine = createModelEngine();
  const { checks } = expandPaths(loadPathsFile('config/paths.yaml'), topology, false);
  const shutdown = new AbortController();
  const runAll = async (n: number) => {
    for (let i = 0; i < n; i++)
      for (const c of checks)
        await runCheck(c, {
          topology,
          engine: () => engine,
          timeoutMs: 30_000,
          trigger: 'schedule',
          signal: shutdown.signal,
        });
  };

  it('removes its listener from the shutdown signal', async () => {
    await runAll(10);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  it('does not grow the heap per check', async () => {
    await runAll(1000);
    gc();
    const before = process.memoryUsage().heapUsed;
    await runAll(1500);
    gc();
    const perCheck = (process.memoryUsage().heapUsed - before) / (1500 * checks.length);
    expect(perCheck).toBeLessThan(300);
  });
});
