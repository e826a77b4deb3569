// End to end through the real daemon process: `serve --engine ovn-trace --ovn.sb-db …` answers
// /api/v1/trace/flow from real ovn-trace (engine "ovn-trace", the dropping ACL named), `--engine auto`
// answers from lflow (an SB is given) and exports ovncp_engine_disagreements_total, and stopping the daemon leaves
// no ovn-trace or ovsdb-client process behind.

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { serve } from '../helpers/cli.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

function ourTracers(sbSock: string): string[] {
  return execFileSync('ps', ['-eo', 'comm=,args='], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .filter((l) => /^(ovn-trace|ovsdb-client)\s/.test(l) && l.includes(sbSock));
}

async function flow(url: string, body: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/v1/trace/flow`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe.skipIf(skipWithoutOvn())('serve with the ovn-trace engine (real OVN, real daemon process)', () => {
  let tb: OvnTestbed;
  beforeAll(async () => {
    tb = await startOvn();
    const doc = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
    if (!doc.ok) throw new Error(doc.errors.join('\n'));
    await tb.loadSnapshot(doc.value);
  }, 60_000);
  afterAll(async () => {
    await tb?.stop();
  });

  it('--engine ovn-trace: traces come from ovn-trace; nothing is left after SIGTERM', async () => {
    const d = await serve(['--engine=ovn-trace', `--ovn.sb-db=${tb.sbRemote}`]);
    try {
      const ssh = await flow(d.url, {
        source_port: 'vm1-port',
        destination_ip: '10.0.0.2',
        protocol: 'tcp',
        destination_port_num: 22,
        verbose: true,
      });
      expect(ssh.status).toBe(200);
      expect(ssh.json.engine).toBe('ovn-trace');
      expect(ssh.json.reaches_destination).toBe(false);
      const dropped = ssh.json.dropped_at as { acl_matches?: { acl_name: string }[] };
      expect(dropped.acl_matches?.[0]?.acl_name).toBe('deny-ssh');
      expect(String(ssh.json.raw)).toContain('ingress(dp="ls1", inport="vm1-port")');
      const bad = await flow(d.url, { source_port: 'vm1-port', destination_ip: '10.0.0.2" || "1' });
      expect(bad.status).toBe(400);
      expect((bad.json.error as { field: string }).field).toBe('destination_ip');
      expect(ourTracers(tb.sbSock).length).toBeGreaterThan(0);
    } finally {
      expect(await d.stop()).toBe(0);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(ourTracers(tb.sbSock)).toEqual([]);
  }, 60_000);

  it('--engine auto with an SB: /flow is answered by lflow, /simulate by the model, and the disagreement counter is exported', async () => {
    const d = await serve(['--engine=auto'], { OVN_SB_DB: tb.sbRemote });
    try {
      // The topology comes from the SB (no NB, no snapshot file): ready once the SB is synced.
      for (let i = 0; i < 200 && (await fetch(`${d.url}/-/ready`)).status !== 200; i++)
        await new Promise((r) => setTimeout(r, 50));
      const http = await flow(d.url, {
        source_port: 'vm1-port',
        destination_ip: '10.0.0.2',
        destination_port_num: 80,
      });
      expect(http.status).toBe(200);
      expect(http.json.engine).toBe('lflow');
      expect(http.json.reaches_destination).toBe(true);
      const simulated = (await (
        await fetch(`${d.url}/api/v1/trace/simulate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            source_port: 'vm1-port',
            destination_ip: '10.0.0.2',
            destination_port_num: 80,
          }),
        })
      ).json()) as { engine: string };
      expect(simulated.engine).toBe('model');
      const metrics = await (await fetch(`${d.url}/metrics`)).text();
      expect(metrics).toMatch(/^ovncp_engine_disagreements_total{engines="lflow,model"} 0$/m);
    } finally {
      expect(await d.stop()).toBe(0);
    }
  }, 60_000);
});
