// Opens the byte stream to one OVSDB remote: a unix socket, TCP, or TLS with our key and certificate,
// the peer checked against the CA certificate (like OVS, the host name is not checked: clusters are
// addressed by IP and certificates name the daemon, not the host).

import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { OvncpError } from '../errors.ts';
import type { Remote, SslFiles } from './remote.ts';

function sslOptions(ssl: SslFiles | undefined): tls.ConnectionOptions {
  const read = (what: string, file: string | undefined) => {
    if (!file) throw new OvncpError('OVNCP_ERR_CONFIG', `ssl: remote needs a ${what} file`);
    return readFileSync(file);
  };
  return {
    key: read('private key', ssl?.privateKey),
    cert: read('certificate', ssl?.certificate),
    ca: read('CA certificate', ssl?.caCert),
    checkServerIdentity: () => undefined,
  };
}

/** Connects, resolving once the stream is usable (TLS handshake done). */
export function openStream(remote: Remote, ssl: SslFiles | undefined, timeoutMs = 10_000): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let sock: net.Socket;
    const ready = remote.kind === 'ssl' ? 'secureConnect' : 'connect';
    try {
      if (remote.kind === 'unix') sock = net.connect({ path: remote.path });
      else if (remote.kind === 'tcp') sock = net.connect({ host: remote.host, port: remote.port });
      else sock = tls.connect({ host: remote.host, port: remote.port, ...sslOptions(ssl) });
    } catch (err) {
      reject(err);
      return;
    }
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new OvncpError('OVNCP_ERR_OVSDB', `${remote.text}: connect timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new OvncpError('OVNCP_ERR_OVSDB', `${remote.text}: ${err.message}`, { cause: err }));
    };
    sock.once('error', fail);
    sock.once(ready, () => {
      clearTimeout(timer);
      sock.off('error', fail);
      if (remote.kind !== 'unix') sock.setNoDelay(true);
      resolve(sock);
    });
  });
}
