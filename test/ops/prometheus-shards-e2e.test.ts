// Sharding end to end: real daemons with --shard/--total-shards scraped by a real Prometheus. A complete
// job (shards 0 and 1 of 2) checks every path of config/paths.yaml exactly once between its replicas and
// raises no OvncpShardingMismatch; a job missing shards (only 0 of 3) raises it.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePathsText } from '../../src/monitor/paths-config.ts';
import { type ServeHandle, serve } from '../helpers/cli.ts';
import { hostPort, poll, skipWithout } from './ops-tools.ts';
import { type PrometheusHandle, startPrometheus } from './prometheus-run.ts';

const PATHS_FILE = join(import.meta.dirname, '../../config/paths.yaml');

describe.skipIf(skipWithout(['prometheus']))(
  'sharded daemons under a real Prometheus',
  { timeout: 90_000 },
  () => {
    let dir = '';
    const daemons: ServeHandle[] = [];
    let prom: PrometheusHandle | undefined;

    const start = async (shard: number, total: number) => {
      const d = await serve(['--paths.file', PATHS_FILE, `--shard=${shard}`, `--total-shards=${total}`]);
      daemons.push(d);
      return hostPort(d.url);
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ovncp-prom-shards-'));
      // One at a time: three daemons starting together on a busy 2-core machine can exceed serve()'s
      // 30 s start timeout.
      const complete = [await start(0, 2), await start(1, 2)];
      const broken = [await start(0, 3)];
      prom = await startPrometheus(dir, { complete, broken });
    });

    afterAll(async () => {
      await prom?.stop();
      await Promise.all(daemons.map((d) => d.stop()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('splits the paths of a complete job so that each is checked by exactly one replica', async () => {
      const names = parsePathsText('paths.yaml', readFileSync(PATHS_FILE, 'utf8')).paths.map((p) => p.name);
      const perPath = await poll('every path in the complete job', async () => {
        // Instances per path: a path may expand to several checks (series), all on the replica owning it.
        const r = await prom!.query(
          'count by (path) (count by (path, instance) (ovncp_path_expected_reachable{job="complete"}))',
        );
        return r.length === names.length ? r : undefined;
      });
      expect(perPath.map((s) => s.metric.path).sort()).toEqual([...names].sort());
      expect(perPath.every((s) => s.value[1] === '1')).toBe(true);
      const shards = await prom!.query('ovncp_shard{job="complete"}');
      expect(shards.map((s) => s.value[1]).sort()).toEqual(['0', '1']);
    });

    it('raises OvncpShardingMismatch for the job with missing shards only', async () => {
      const firing = await poll(
        'OvncpShardingMismatch firing',
        async () => {
          const a = await prom!.alerts('OvncpShardingMismatch');
          return a.some((x) => x.state === 'firing') ? a : undefined;
        },
        60_000,
      );
      // By now the complete job has been evaluated for as long as the broken one.
      expect(firing.map((a) => a.labels.job)).toEqual(['broken']);
    });
  },
);
