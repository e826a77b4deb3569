// Throwaway TLS material made with openssl for the ssl:/pssl: tests: a CA, and certificates it signs,
// as PEM files DIR/NAME-key.pem and DIR/NAME-cert.pem (like the files OVS takes with -p, -c and -C).

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A self-signed CA: DIR/CA-key.pem and DIR/CA-cert.pem. */
export async function makeCa(dir: string, ca: string): Promise<void> {
  const k = join(dir, `${ca}-key.pem`);
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', k]);
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    k,
    '-subj',
    `/CN=${ca}`,
    '-days',
    '2',
    '-out',
    join(dir, `${ca}-cert.pem`),
  ]);
}

/** A key and a certificate for NAME signed by the CA made with makeCa(dir, ca). */
export async function makeCert(dir: string, name: string, ca: string): Promise<void> {
  const k = join(dir, `${name}-key.pem`);
  const csr = join(dir, `${name}.csr`);
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', k]);
  await run('openssl', ['req', '-new', '-key', k, '-subj', `/CN=${name}`, '-out', csr]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, `${ca}-cert.pem`),
    '-CAkey',
    join(dir, `${ca}-key.pem`),
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    join(dir, `${name}-cert.pem`),
  ]);
}

/** The OVS server options for a pssl: remote on a free loopback port with DIR/server-*.pem and DIR/ca-cert.pem. */
export function psslServerArgs(dir: string): string[] {
  return [
    '--remote=pssl:0:127.0.0.1',
    `--private-key=${join(dir, 'server-key.pem')}`,
    `--certificate=${join(dir, 'server-cert.pem')}`,
    `--ca-cert=${join(dir, 'ca-cert.pem')}`,
  ];
}
