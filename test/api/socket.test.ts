// End to end over a real socket: `ovncp-monitor serve` on the demo network with tokens from the
// environment, driven by the real curl binary, the CLI (`trace --url`) and the typed client; plus the
// daemon's refusal to serve without tokens on a non-loopback address.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OvncpApiError, OvncpClient } from '../../src/client/index.ts';
import { cli, type ServeHandle, serve } from '../helpers/cli.ts';

const run = promisify(execFile);
const TOKEN = 'socket-test-token-0123456789';

async function curl(args: string[]): Promise<{ status: number; body: string; headers: string }> {
  const { stdout } = await run('curl', ['-sS', '-D', '-', '-w', '\n%{http_code}', ...args]);
  const lines = stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n');
  const split = text.indexOf('\r\n\r\n');
  return { status, headers: text.slice(0, split), body: text.slice(split + 4) };
}

let d: ServeHandle;
beforeAll(async () => {
  d = await serve(['--engine=model'], { OVNCP_API_TOKENS: `ci:${TOKEN}` });
});
afterAll(async () => {
  await d?.stop();
});

describe('trace API over a real socket', () => {
  it('curl: the seed CLI example (four fields) with a token; 401 without', async () => {
    const body = JSON.stringify({
      source_port: 'web-server-port',
      destination_ip: '10.0.2.10',
      protocol: 'tcp',
      destination_port_num: 3306,
    });
    const ok = await curl([
      '-X',
      'POST',
      `${d.url}/api/v1/trace/flow`,
      '-H',
      `Authorization: Bearer ${TOKEN}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      body,
    ]);
    expect(ok.status).toBe(200);
    expect(ok.headers).toMatch(/^x-ratelimit-limit: 50\r?$/im);
    const json = JSON.parse(ok.body);
    expect(json).toMatchObject({
      reaches_destination: true,
      engine: 'model',
      output_ports: ['db-server-port'],
    });
    const denied = await curl([
      '-X',
      'POST',
      `${d.url}/api/v1/trace/flow`,
      '-H',
      'Content-Type: application/json',
      '-d',
      body,
    ]);
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.body).error.code).toBe('OVNCP_ERR_UNAUTHORIZED');
    const bad = await curl([
      '-X',
      'POST',
      `${d.url}/api/v1/trace/flow`,
      '-H',
      `Authorization: Bearer ${TOKEN}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"source_port":',
    ]);
    expect(bad.status).toBe(400);
    const metrics = await curl([`${d.url}/metrics`]);
    expect(metrics.status).toBe(200);
    expect((await curl([`${d.url}/openapi.json`])).status).toBe(401);
    const spec = await curl(['-H', `Authorization: Bearer ${TOKEN}`, `${d.url}/openapi.json`]);
    expect(JSON.parse(spec.body).paths['/api/v1/trace/multi-path']).toBeDefined();
  });

  it('the CLI against the daemon: hop table, --json, exit codes', async () => {
    const blocked = await cli(
      [
        'trace',
        `--url=${d.url}`,
        '--source-port=vm1-port',
        '--destination-ip=10.0.0.2',
        '--protocol=tcp',
        '--destination-port-num=22',
      ],
      { OVNCP_TOKEN: TOKEN },
    );
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/^BLOCKED at hop 1 \(acl\) \[engine model\]$/m);
    expect(blocked.stdout).toMatch(/deny-ssh/);
    const json = await cli([
      'trace',
      `--url=${d.url}`,
      `--token=${TOKEN}`,
      '--json',
      '--source-port=vm1-port',
      '--destination-ip=10.0.0.2',
      '--protocol=tcp',
      '--destination-port-num=80',
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).output_ports).toEqual(['vm2-port']);
    const noToken = await cli([
      'trace',
      `--url=${d.url}`,
      '--source-port=vm1-port',
      '--destination-ip=10.0.0.2',
    ]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^ovncp-monitor trace: OVNCP_ERR_UNAUTHORIZED: Missing bearer token/);
  });

  it('the typed client: multi-path, connectivity, addresses, and a coded error', async () => {
    const c = new OvncpClient({ baseUrl: `${d.url}/`, token: TOKEN });
    const mp = await c.multiPath({
      source_port: 'vm1-port',
      destination_ip: '10.0.0.2',
      protocols: ['tcp'],
      ports: [22, 80],
    });
    expect(mp.summary).toBe('1 of 2 paths blocked. Allowed: tcp:80');
    const cn = await c.connectivity({ source_port: 'web-server-port', target_ports: ['cache-server-port'] });
    expect(cn.target_ports[0]!.protocols).toMatchObject({
      icmp: true,
      'tcp:6379': true,
      'tcp:6380-65535': false,
    });
    const ad = await c.portAddresses('db-server-port');
    expect(ad.addresses).toEqual([{ mac: '00:00:00:00:02:10', ip: '10.0.2.10' }]);
    const err = await c.flow({ source_port: 'ghost' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OvncpApiError);
    expect(err).toMatchObject({ status: 404, code: 'OVNCP_ERR_SOURCE_PORT_NOT_FOUND', field: 'source_port' });
  });
});

describe('listen-address safety', () => {
  it('refuses a non-loopback address without tokens, serves it with --web.insecure-no-auth', async () => {
    await expect(serve(['--web.listen-address=0.0.0.0:0'], { OVNCP_API_TOKENS: '' })).rejects.toThrow(
      /serve exited with 1:\novncp-monitor serve: refusing to serve the trace API without auth on non-loopback address 0\.0\.0\.0:0/,
    );
    const open = await serve(['--web.listen-address=0.0.0.0:0', '--web.insecure-no-auth'], {
      OVNCP_API_TOKENS: '',
    });
    try {
      expect(open.logs()).toMatch(/"level":40,.*"msg":"trace API: no tokens configured: API OPEN to anyone/);
    } finally {
      expect(await open.stop()).toBe(0);
    }
  });
});
