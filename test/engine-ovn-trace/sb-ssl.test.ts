// The ovn-trace engine against a Southbound DB that only talks TLS (a real ovsdb-server on pssl:, with
// northd writing it through its unix socket): `trace --engine ovn-trace` must hand ovn-trace the same
// key, certificate and CA the NB client gets, whether they come from --ovn.ssl.* flags alone or from a
// config file whose paths are relative to the file's folder (run from another working directory).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { makeCa, makeCert, psslServerArgs } from '../helpers/tls-certs.ts';

describe.skipIf(skipWithoutOvn())('ovn-trace engine with an ssl: Southbound DB (real OVN)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovncp-sb-ssl-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'ovncp-cwd-'));
  let tb: OvnTestbed;
  let sbSsl = '';
  const request = ['--source-port=tls-a', '--destination-ip=10.9.0.11', '--json'];

  beforeAll(async () => {
    await makeCa(dir, 'ca');
    await makeCert(dir, 'server', 'ca');
    await makeCert(dir, 'client', 'ca');
    tb = await startOvn({ sbServerArgs: psslServerArgs(dir) });
    sbSsl = `ssl:127.0.0.1:${tb.sbListenPort}`;
    await tb.nbctl('ls-add', 'over-tls');
    for (const [name, addr] of [
      ['tls-a', '00:00:00:00:00:0a 10.9.0.10'],
      ['tls-b', '00:00:00:00:00:0b 10.9.0.11'],
    ] as const)
      await tb.nbctl('lsp-add', 'over-tls', name, '--', 'lsp-set-addresses', name, addr);
    await tb.sync();
  }, 60_000);
  afterAll(async () => {
    await tb?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  function expectTracedByOvnTrace(r: { code: number; stdout: string; stderr: string }): void {
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { engine: string; output_ports: string[] };
    expect(result.engine).toBe('ovn-trace');
    expect(result.output_ports).toEqual(['tls-b']);
  }

  it('takes key, certificate and CA from the --ovn.ssl.* flags alone', async () => {
    expect(tb.sbListenPort).toBeGreaterThan(0);
    const r = await cli([
      'trace',
      '--engine=ovn-trace',
      `--ovn.nb-db=${tb.nbRemote}`,
      `--ovn.sb-db=${sbSsl}`,
      `--ovn.ssl.private-key=${join(dir, 'client-key.pem')}`,
      `--ovn.ssl.certificate=${join(dir, 'client-cert.pem')}`,
      `--ovn.ssl.ca-cert=${join(dir, 'ca-cert.pem')}`,
      ...request,
    ]);
    expectTracedByOvnTrace(r);
  }, 60_000);

  it('resolves relative SSL paths of a config file against its folder, from another cwd', async () => {
    const confDir = join(dir, 'conf');
    mkdirSync(confDir, { recursive: true });
    const config = join(confDir, 'ovncp.yaml');
    writeFileSync(
      config,
      [
        'ovn:',
        `  nb_db: ${tb.nbRemote}`,
        `  sb_db: ${sbSsl}`,
        '  ssl:',
        '    private_key: ../client-key.pem',
        '    certificate: ../client-cert.pem',
        '    ca_cert: ../ca-cert.pem',
        '',
      ].join('\n'),
    );
    const r = await cli(
      ['trace', '--engine=ovn-trace', `--config.file=${config}`, ...request],
      {},
      {
        cwd: elsewhere,
      },
    );
    expectTracedByOvnTrace(r);
  }, 60_000);

  it('names the missing SSL files of an ssl: SB in one line, before starting ovn-trace', async () => {
    const r = await cli([
      'trace',
      '--engine=ovn-trace',
      `--ovn.nb-db=${tb.nbRemote}`,
      `--ovn.sb-db=${sbSsl}`,
      `--ovn.ssl.ca-cert=${join(dir, 'ca-cert.pem')}`,
      ...request,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /remote "ssl:127\.0\.0\.1:\d+" needs private key, certificate \(config ovn\.ssl/,
    );
  }, 60_000);
});
