// The trace API on a real OVN: the demo network loaded into a throwaway NB/SB with ovn-northd, the
// daemon following that NB and tracing with `--engine ovn-trace`. The seed's examples must give the
// documented verdicts from OVN's own tracer, and /simulate (the model) must agree.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readYamlFile } from '../../src/config/yaml-file.ts';
import { snapshotSchema } from '../../src/ovn/topology/snapshot-schema.ts';
import { DEMO_NETWORK_FILE } from '../../src/sources/file.ts';
import { type ServeHandle, serve } from '../helpers/cli.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(skipWithoutOvn())(
  'trace API with the ovn-trace engine on real OVN',
  { timeout: 120_000 },
  () => {
    let tb: OvnTestbed | undefined;
    let d: ServeHandle | undefined;

    beforeAll(async () => {
      tb = await startOvn();
      const demo = readYamlFile(DEMO_NETWORK_FILE, snapshotSchema);
      if (!demo.ok) throw new Error(demo.errors.join('\n'));
      await tb.loadSnapshot(demo.value);
      await tb.sync();
      d = await serve(['--ovn.nb-db', tb.nbRemote, '--ovn.sb-db', tb.sbRemote, '--engine', 'ovn-trace']);
      await until('ready', async () => ((await fetch(`${d!.url}/-/ready`)).ok ? true : undefined));
    }, 120_000);

    afterAll(async () => {
      await d?.stop();
      await tb?.stop();
    });

    async function post(path: string, body: object) {
      const res = await fetch(`${d!.url}/api/v1/trace/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: JSON.parse(await res.text()) };
    }

    it('flow: vm1 -> vm2 tcp/80 reaches, tcp/22 is dropped by deny-ssh; /simulate agrees', async () => {
      const base = { source_port: 'vm1-port', destination_ip: '10.0.0.2', protocol: 'tcp' };
      const http = await post('flow', { ...base, destination_port_num: 80 });
      expect(http.status).toBe(200);
      expect(http.body).toMatchObject({
        engine: 'ovn-trace',
        reaches_destination: true,
        output_ports: ['vm2-port'],
      });
      const ssh = await post('flow', { ...base, destination_port_num: 22 });
      expect(ssh.body).toMatchObject({ engine: 'ovn-trace', reaches_destination: false });
      const sim = await post('simulate', { ...base, destination_port_num: 22 });
      expect(sim.body).toMatchObject({ engine: 'model', reaches_destination: false });
    });

    it('multi-path names deny-ssh from ovn-trace output', async () => {
      const r = await post('multi-path', {
        source_port: 'vm1-port',
        destination_ip: '10.0.0.2',
        protocols: ['tcp'],
        ports: [22, 80],
      });
      expect(r.status).toBe(200);
      expect(r.body.engine).toBe('ovn-trace');
      expect(r.body.paths[0]).toMatchObject({
        port: 22,
        blocked: true,
        blocked_by: 'ACL: deny-ssh (Priority: 2100)',
      });
      expect(r.body.summary).toBe('1 of 2 paths blocked. Allowed: tcp:80');
    });

    it('connectivity: web -> db and cache open, app closed', async () => {
      const r = await post('connectivity', {
        source_port: 'web-server-port',
        target_ports: ['db-server-port', 'cache-server-port', 'app-server-port'],
      });
      expect(r.status).toBe(200);
      // Without ports: the exact allowed services, every open one listed (the rest closed).
      const open = (p: Record<string, boolean>) => Object.keys(p).filter((k) => p[k]);
      expect(
        r.body.target_ports.map(
          (t: { port_name: string; reachable: boolean; protocols: Record<string, boolean> }) => [
            t.port_name,
            t.reachable,
            open(t.protocols),
          ],
        ),
      ).toEqual([
        ['db-server-port', true, ['icmp', 'tcp:3306']],
        ['cache-server-port', true, ['icmp', 'tcp:6379']],
        ['app-server-port', false, []],
      ]);
      expect(r.body.target_ports[0].protocols).toMatchObject({ 'tcp:1-3305': false, 'udp:1-65535': false });
      expect(r.body.fully_reachable).toBe(false);
    });

    it('security audit: dmz -> 10.0.0.5 tcp/22 is blocked', async () => {
      const r = await post('flow', {
        source_port: 'dmz-port',
        destination_ip: '10.0.0.5',
        protocol: 'tcp',
        destination_port_num: 22,
      });
      expect(r.body).toMatchObject({ engine: 'ovn-trace', reaches_destination: false });
    });

    it('port addresses come from the live NB (real UUIDs)', async () => {
      const res = await fetch(`${d!.url}/api/v1/trace/ports/vm1-port/addresses`);
      const body = JSON.parse(await res.text());
      expect(body.addresses).toEqual([{ mac: '00:00:00:00:00:01', ip: '10.0.0.1' }]);
      const byId = await fetch(`${d!.url}/api/v1/trace/ports/${body.port_id}/addresses`);
      expect(byId.status).toBe(200);
    });
  },
);
