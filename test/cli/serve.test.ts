// `serve` over a real socket: health, readiness, metrics, clean shutdown, refusal of bad input.

import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/cli.ts';

describe('serve on the demo network', () => {
  it('serves /-/healthy, /-/ready and /metrics, then stops on SIGTERM', async () => {
    const d = await serve([]);
    try {
      const healthy = await fetch(`${d.url}/-/healthy`);
      expect(healthy.status).toBe(200);
      const ready = await fetch(`${d.url}/-/ready`);
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`${d.url}/metrics`)).text();
      expect(metrics).toMatch(/^ovncp_build_info\{version="[^"]+",nodejs_version="v(20|24)\.[^"]+"\} 1$/m);
      expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
      const loaded = /^ovncp_topology_last_update_timestamp_seconds (\S+)$/m.exec(metrics);
      expect(Number(loaded?.[1])).toBeGreaterThan(Date.now() / 1000 - 120);
      const missing = await fetch(`${d.url}/nope`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        error: { code: 'OVNCP_ERR_NOT_FOUND', message: 'No route for GET /nope' },
      });
    } finally {
      expect(await d.stop('SIGTERM')).toBe(0);
    }
    expect(d.logs()).toContain('"msg":"stopped"');
  });

  it('stops cleanly on SIGINT too', async () => {
    const d = await serve(['--log.format=json']);
    expect(await d.stop('SIGINT')).toBe(0);
  });

  it('refuses to start on a bad snapshot file with a one-line error', async () => {
    await expect(serve(['--topology.file=/nonexistent.yaml'])).rejects.toThrow(
      /serve exited with 1:\novncp-monitor serve: \/nonexistent.yaml: cannot read: ENOENT\n$/,
    );
  });
});
