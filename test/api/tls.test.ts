// TLS on the listener (--web.config.file, exporter-toolkit format) with real certificates made by
// openssl and real clients (curl): server certificates, client-certificate policies, minimum version,
// and reload on change (a bad new file keeps the running context).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWebConfig } from '../../src/api/web-config.ts';
import { type ServeHandle, serve } from '../helpers/cli.ts';

const run = promisify(execFile);
let dir = '';
const f = (name: string) => join(dir, name);

async function openssl(...args: string[]): Promise<void> {
  await run('openssl', args);
}

/** A CA (`<ca>.pem`, `<ca>.key`) and certificates it signs (`<name>.pem`, `<name>.key`). */
async function makeCa(ca: string): Promise<void> {
  await openssl(
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2'],
    ...['-subj', `/CN=${ca}`, '-keyout', f(`${ca}.key`), '-out', f(`${ca}.pem`)],
  );
}

async function makeCert(ca: string, name: string, ext: string): Promise<void> {
  await openssl(
    ...['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`],
    ...['-keyout', f(`${name}.key`), '-out', f(`${name}.csr`)],
  );
  writeFileSync(f(`${name}.ext`), `${ext}\n`);
  await openssl(
    ...['x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.pem`), '-CAkey', f(`${ca}.key`)],
    ...['-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`)],
  );
}

const SERVER_EXT = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth';
const CLIENT_EXT = 'extendedKeyUsage=clientAuth';

/** curl's exit code and body; 0 = success, 35/56/... = TLS refused, 60 = server not trusted. */
async function curl(url: string, ...args: string[]): Promise<{ code: number; body: string }> {
  try {
    const { stdout } = await run('curl', ['-sS', '--max-time', '10', ...args, url]);
    return { code: 0, body: stdout };
  } catch (e) {
    return { code: (e as { code: number }).code, body: '' };
  }
}

function writeWebConfig(name: string, body: string): string {
  writeFileSync(f(name), body);
  return f(name);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ovncp-tls-'));
  await makeCa('ca');
  await makeCa('ca2');
  await makeCert('ca', 'server', SERVER_EXT);
  await makeCert('ca2', 'server2', SERVER_EXT);
  await makeCert('ca', 'client', CLIENT_EXT);
  await makeCert('ca2', 'stranger', CLIENT_EXT);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const https = (d: ServeHandle) => d.url.replace(/^http:/, 'https:');

describe('--web.config.file', () => {
  it('serves HTTPS with the configured certificate; TLS13 minimum refuses TLS 1.2 clients', async () => {
    const cfg = writeWebConfig(
      'web.yml',
      'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS13\n',
    );
    const d = await serve([`--web.config.file=${cfg}`]);
    try {
      expect(d.logs()).toMatch(/listening on https:\/\/127\.0\.0\.1:\d+\//);
      const ok = await curl(`${https(d)}/-/healthy`, '--cacert', f('ca.pem'));
      expect(ok).toEqual({ code: 0, body: 'ovncp-monitor is Healthy.\n' });
      expect((await curl(`${https(d)}/-/healthy`)).code).toBe(60); // not trusted without the CA
      expect((await curl(`${https(d)}/-/healthy`, '--cacert', f('ca2.pem'))).code).toBe(60);
      expect(
        (await curl(`${https(d)}/-/healthy`, '--cacert', f('ca.pem'), '--tls-max', '1.2')).code,
      ).not.toBe(0);
      expect((await curl(`${d.url}/-/healthy`)).code).not.toBe(0); // plain HTTP is not served
    } finally {
      await d.stop();
    }
  }, 60_000);

  it('RequireAndVerifyClientCert: only clients with a certificate from client_ca_file get in', async () => {
    const cfg = writeWebConfig(
      'mtls.yml',
      [
        'tls_server_config:',
        `  cert_file: ${f('server.pem')}`,
        `  key_file: ${f('server.key')}`,
        '  client_ca_file: ca.pem',
        '  client_auth_type: RequireAndVerifyClientCert',
        '',
      ].join('\n'),
    );
    const d = await serve([`--web.config.file=${cfg}`]);
    try {
      const base = ['--cacert', f('ca.pem')];
      const url = `${https(d)}/-/healthy`;
      expect((await curl(url, ...base)).code).not.toBe(0);
      const stranger = ['--cert', f('stranger.pem'), '--key', f('stranger.key')];
      expect((await curl(url, ...base, ...stranger)).code).not.toBe(0);
      const client = ['--cert', f('client.pem'), '--key', f('client.key')];
      expect((await curl(url, ...base, ...client)).code).toBe(0);
    } finally {
      await d.stop();
    }
  }, 60_000);

  it('VerifyClientCertIfGiven and RequireAnyClientCert are enforced per connection', async () => {
    const cfg = writeWebConfig(
      'policy.yml',
      'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_ca_file: ca.pem\n  client_auth_type: VerifyClientCertIfGiven\n',
    );
    const d = await serve([`--web.config.file=${cfg}`]);
    try {
      const url = `${https(d)}/-/healthy`;
      const base = ['--cacert', f('ca.pem')];
      const stranger = ['--cert', f('stranger.pem'), '--key', f('stranger.key')];
      expect((await curl(url, ...base)).code).toBe(0);
      expect((await curl(url, ...base, ...stranger)).code).not.toBe(0);
      writeFileSync(
        cfg,
        'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_ca_file: ca.pem\n  client_auth_type: RequireAnyClientCert\n',
      );
      await waitFor(() => d.logs().includes('TLS configuration reloaded'));
      expect((await curl(url, ...base)).code).not.toBe(0);
      expect((await curl(url, ...base, ...stranger)).code).toBe(0); // any certificate, unverified
    } finally {
      await d.stop();
    }
  }, 60_000);

  it('reloads on change: new certificates are served; a bad new file keeps the old context', async () => {
    const cfg = writeWebConfig(
      'reload.yml',
      'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n',
    );
    const d = await serve([`--web.config.file=${cfg}`]);
    try {
      const url = `${https(d)}/-/healthy`;
      expect((await curl(url, '--cacert', f('ca.pem'))).code).toBe(0);
      writeFileSync(
        cfg,
        'tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\nbasic_auth_users: {}\n',
      );
      await waitFor(() => d.logs().includes('TLS configuration reload failed'));
      expect(d.logs()).toContain('unknown key(s) \\"basic_auth_users\\"');
      expect((await curl(url, '--cacert', f('ca.pem'))).code).toBe(0);
      writeFileSync(cfg, 'tls_server_config:\n  cert_file: server2.pem\n  key_file: server2.key\n');
      await waitFor(() => d.logs().includes('TLS configuration reloaded'));
      expect((await curl(url, '--cacert', f('ca2.pem'))).code).toBe(0);
      expect((await curl(url, '--cacert', f('ca.pem'))).code).toBe(60);
    } finally {
      await d.stop();
    }
  }, 60_000);

  it('refuses to start on a bad web config file, naming the problem', async () => {
    const cfg = writeWebConfig(
      'bad.yml',
      'tls_server_config:\n  cert_file: server.pem\n  key_file: nope.key\n',
    );
    await expect(serve([`--web.config.file=${cfg}`])).rejects.toThrow(
      /key_file .*nope\.key: cannot read: ENOENT/,
    );
  }, 30_000);
});

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('loadWebConfig errors', () => {
  const cases: [string, string, RegExp][] = [
    ['basic auth', 'basic_auth_users:\n  alice: x\n', /case\.yml:\d+: unknown key\(s\) "basic_auth_users"/],
    ['http server config', 'http_server_config:\n  http2: false\n', /unknown key\(s\) "http_server_config"/],
    [
      'unknown tls key',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: []\n',
      /:4: tls_server_config: unknown key\(s\) "cipher_suites"/,
    ],
    [
      'bad auth type',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Maybe\n',
      /tls_server_config\.client_auth_type/,
    ],
    [
      'verify without CA',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: VerifyClientCertIfGiven\n',
      /client_auth_type VerifyClientCertIfGiven needs client_ca_file/,
    ],
    [
      'CA without policy',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n  client_auth_type: NoClientCert\n',
      /client_ca_file is set but client_auth_type is NoClientCert/,
    ],
    [
      'bad version',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n',
      /min_version/,
    ],
    [
      'min above max',
      'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n',
      /min_version is above max_version/,
    ],
  ];
  it.each(cases)('%s', (_name, text, error) => {
    const file = writeWebConfig('case.yml', text);
    expect(() => loadWebConfig(file)).toThrow(error);
  });

  it('defaults: a client CA alone means RequireAndVerifyClientCert; paths are relative to the file', () => {
    const file = writeWebConfig(
      'ok.yml',
      'tls_server_config:\n  cert_file: s.pem\n  key_file: /k\n  client_ca_file: c.pem\n',
    );
    expect(loadWebConfig(file)).toEqual({
      certFile: f('s.pem'),
      keyFile: '/k',
      clientCaFile: f('c.pem'),
      clientAuth: 'RequireAndVerifyClientCert',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
    });
    expect(loadWebConfig(writeWebConfig('empty.yml', '{}\n'))).toBeNull();
  });
});
