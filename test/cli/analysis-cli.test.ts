// `ovncp-monitor services` and `reachers` as real child processes: locally on the demo network, and
// against a real `serve` over its socket with --url (the typed client), which must print the same answer.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type ServeHandle, serve } from '../helpers/cli.ts';

let daemon: ServeHandle;
beforeAll(async () => {
  daemon = await serve(['--engine=model']);
}, 60_000);
afterAll(() => daemon?.stop());

describe('services and reachers commands', () => {
  it('services: locally and through the daemon, the same open ranges', async () => {
    const args = ['services', '--source-port', 'web-server-port', '--destination-ip', '10.0.2.10', '--json'];
    const local = await cli(args);
    expect(local.code).toBe(0);
    const remote = await cli([...args, '--url', daemon.url]);
    expect(remote.code).toBe(0);
    const a = JSON.parse(local.stdout);
    const b = JSON.parse(remote.stdout);
    expect(a.tcp.map((r: { from: number }) => r.from)).toEqual([3306]);
    expect(b.tcp).toEqual(a.tcp);
    expect(b.icmp).toEqual(a.icmp);
  });

  it('reachers: the web tier reaches the database on tcp/3306', async () => {
    const r = await cli([
      'reachers',
      '--destination-port',
      'db-server-port',
      '--port',
      '3306',
      '--url',
      daemon.url,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ls-web [pg_web]: web-server-2-port, web-server-port');
    const bad = await cli([
      'reachers',
      '--destination-port',
      'db-server-port',
      '--protocol',
      'udp',
      '--url',
      daemon.url,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('port is required for udp');
  });
});
