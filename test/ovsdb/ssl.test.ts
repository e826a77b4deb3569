// ssl: remotes against a real ovsdb-server listening on pssl: with certificates made here by openssl:
// our key, certificate and CA (like OVS -p/-c/-C) connect and sync; a client whose certificate another
// CA signed is refused and the source keeps retrying without crashing. `serve` takes the files from
// --ovn.ssl.* flags, and names what is missing in one line.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import { LiveTopology } from '../../src/sources/nb/live-topology.ts';
import { cli, serve } from '../helpers/cli.ts';
import { skipWithoutOvn, startNbServer } from '../helpers/ovn-testbed.ts';
import { makeCa, makeCert, psslServerArgs } from '../helpers/tls-certs.ts';
import { until } from './ovsdb-helpers.ts';

const run = promisify(execFile);

describe.skipIf(skipWithoutOvn())('ssl: remote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovncp-ssl-'));
  const lives: LiveTopology[] = [];
  let port: string | undefined;
  afterAll(() => {
    for (const l of lives) l.stop();
    try {
      process.kill(Number(readFileSync(join(dir, 'nb.pid'), 'utf8')), 'SIGKILL');
    } catch {
      /* not started */
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs with key, certificate and CA; refuses a certificate from another CA', async () => {
    await makeCa(dir, 'ca');
    await makeCa(dir, 'other-ca');
    await makeCert(dir, 'server', 'ca');
    await makeCert(dir, 'client', 'ca');
    await makeCert(dir, 'stranger', 'other-ca');
    await startNbServer(dir, psslServerArgs(dir));
    await run('ovn-nbctl', [`--db=unix:${join(dir, 'nb.sock')}`, 'ls-add', 'over-tls']);
    port = /listening on port (\d+)/.exec(readFileSync(join(dir, 'nb.log'), 'utf8'))?.[1];
    const source = (who: string, store: TopologyStore) => {
      const live = new LiveTopology({
        remote: `ssl:127.0.0.1:${port}`,
        ssl: {
          privateKey: join(dir, `${who}-key.pem`),
          certificate: join(dir, `${who}-cert.pem`),
          caCert: join(dir, 'ca-cert.pem'),
        },
        store,
        logger: pino({ level: 'silent' }),
        backoffMinMs: 100,
      });
      lives.push(live);
      live.start();
      return live;
    };
    const store = new TopologyStore();
    const good = source('client', store);
    await good.synced();
    expect(store.require().switches.has('over-tls')).toBe(true);
    expect(good.client.currentRemote()?.kind).toBe('ssl');

    const strangerStore = new TopologyStore();
    const stranger = source('stranger', strangerStore);
    let failures = 0;
    const reasons: string[] = [];
    stranger.client.on('attemptFailed', (_r, err) => {
      failures++;
      reasons.push(err.message);
    });
    await until(() => failures >= 2);
    expect(strangerStore.current()).toBeNull();
    // The server rejects our certificate during the handshake (TLS alert "unknown ca").
    expect(reasons[0]).toMatch(/unknown ca/);
  });

  it('serve takes key, certificate and CA from --ovn.ssl.* flags', async () => {
    expect(port).toBeDefined();
    const remote = `ssl:127.0.0.1:${port}`;
    const d = await serve([
      `--ovn.nb-db=${remote}`,
      `--ovn.ssl.private-key=${join(dir, 'client-key.pem')}`,
      `--ovn.ssl.certificate=${join(dir, 'client-cert.pem')}`,
      `--ovn.ssl.ca-cert=${join(dir, 'ca-cert.pem')}`,
    ]);
    try {
      await until(async () => (await fetch(`${d.url}/-/ready`)).status === 200, 20_000);
      const metrics = await (await fetch(`${d.url}/metrics`)).text();
      expect(metrics).toMatch(/^ovncp_ovsdb_connected{db="nb"} 1$/m);
      expect(metrics).toContain(`remote="${remote}"`);
    } finally {
      await d.stop();
    }
  });

  it('trace reads the NB over TLS with the --ovn.ssl.* flags', async () => {
    expect(port).toBeDefined();
    const nb = `--db=unix:${join(dir, 'nb.sock')}`;
    for (const [name, addr] of [
      ['tls-a', '00:00:00:00:00:0a 10.9.0.10'],
      ['tls-b', '00:00:00:00:00:0b 10.9.0.11'],
    ] as const)
      await run('ovn-nbctl', [
        nb,
        '--may-exist',
        'lsp-add',
        'over-tls',
        name,
        '--',
        'lsp-set-addresses',
        name,
        addr,
      ]);
    const args = [
      'trace',
      `--ovn.nb-db=ssl:127.0.0.1:${port}`,
      '--source-port=tls-a',
      '--destination-ip=10.9.0.11',
      '--json',
    ];
    const ssl = [
      `--ovn.ssl.private-key=${join(dir, 'client-key.pem')}`,
      `--ovn.ssl.certificate=${join(dir, 'client-cert.pem')}`,
      `--ovn.ssl.ca-cert=${join(dir, 'ca-cert.pem')}`,
    ];
    const ok = await cli([...args, ...ssl]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).output_ports).toEqual(['tls-b']);
    const missing = await cli(args);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/needs private key, certificate, CA certificate/);
  });

  it('serve names the missing SSL files in one line', async () => {
    await expect(
      serve([
        `--ovn.nb-db=ssl:127.0.0.1:${port ?? 1}`,
        `--ovn.ssl.certificate=${join(dir, 'client-cert.pem')}`,
      ]),
    ).rejects.toThrow(
      /serve exited with 1:\n.*needs private key, CA certificate \(config ovn.ssl or --ovn.ssl.\* flags\)\n$/,
    );
  });
});
