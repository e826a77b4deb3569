// The `--web.config.file` of the Prometheus exporter-toolkit: TLS for the listener (`tls_server_config`),
// read into the options of Node's https server, and re-read when the file or a certificate changes.
// A bad new file (or certificate) keeps the running context and is logged; the listener never goes down.
// Only the TLS part is supported: `basic_auth_users` and `http_server_config` are refused by name,
// because the trace API authenticates with bearer tokens (web.tokens_file) instead.

import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { SecureVersion, TLSSocket } from 'node:tls';
import { z } from 'zod';
import { readYamlFile, unwrapLoaded } from '../config/yaml-file.ts';
import { OvncpError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { type FileWatch, watchFile } from '../monitor/file-watch.ts';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const TLS_VERSIONS = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const satisfies Record<string, SecureVersion>;

const webConfigSchema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
      client_ca_file: z.string().min(1).optional(),
      client_auth_type: z.enum(CLIENT_AUTH_TYPES).optional(),
      min_version: z.enum(['TLS12', 'TLS13']).optional(),
      max_version: z.enum(['TLS12', 'TLS13']).optional(),
    })
    .optional(),
});

/** The TLS policy of one web config file; file paths are absolute (relative ones resolved against it). */
export interface TlsPolicy {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string | null;
  /** Exporter-toolkit default: RequireAndVerifyClientCert when a client CA is given, else NoClientCert. */
  readonly clientAuth: ClientAuthType;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
}

/** Parses and checks a web config file; null when it has no tls_server_config (plain HTTP). */
export function loadWebConfig(file: string): TlsPolicy | null {
  const raw = unwrapLoaded(readYamlFile(file, webConfigSchema), 'OVNCP_ERR_CONFIG').value;
  const t = raw.tls_server_config;
  if (!t) return null;
  const at = (p: string) => (isAbsolute(p) ? p : resolve(dirname(file), p));
  const clientCaFile = t.client_ca_file ? at(t.client_ca_file) : null;
  const clientAuth = t.client_auth_type ?? (clientCaFile ? 'RequireAndVerifyClientCert' : 'NoClientCert');
  // A verifying policy without CAs could never accept a client; CAs without a policy would be ignored.
  if (!clientCaFile && clientAuth.includes('Verify'))
    throw new OvncpError('OVNCP_ERR_CONFIG', `${file}: client_auth_type ${clientAuth} needs client_ca_file`);
  if (clientCaFile && clientAuth === 'NoClientCert')
    throw new OvncpError(
      'OVNCP_ERR_CONFIG',
      `${file}: client_ca_file is set but client_auth_type is NoClientCert`,
    );
  const policy: TlsPolicy = {
    certFile: at(t.cert_file),
    keyFile: at(t.key_file),
    clientCaFile,
    clientAuth,
    minVersion: TLS_VERSIONS[t.min_version ?? 'TLS12'],
    maxVersion: TLS_VERSIONS[t.max_version ?? 'TLS13'],
  };
  if (policy.minVersion > policy.maxVersion)
    throw new OvncpError('OVNCP_ERR_CONFIG', `${file}: min_version is above max_version`);
  return policy;
}

/** What Node's https server takes: the secure-context part plus the per-connection client-cert flags. */
export interface TlsServerOptions {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new OvncpError('OVNCP_ERR_CONFIG', `${what} ${file}: cannot read: ${code}`);
  }
}

/** Reads the certificate files of a policy (throws OvncpError when one is missing). */
export function tlsServerOptions(p: TlsPolicy): TlsServerOptions {
  return {
    key: readPem(p.keyFile, 'key_file'),
    cert: readPem(p.certFile, 'cert_file'),
    ...(p.clientCaFile ? { ca: readPem(p.clientCaFile, 'client_ca_file') } : {}),
    minVersion: p.minVersion,
    maxVersion: p.maxVersion,
    requestCert: p.clientAuth !== 'NoClientCert',
    // Only this policy is enforced by the handshake itself; the others are checked by clientCertRefusal.
    rejectUnauthorized: p.clientAuth === 'RequireAndVerifyClientCert',
  };
}

/** Why a TLS connection breaks the policy's client-certificate rule, or null when it may proceed. */
export function clientCertRefusal(policy: ClientAuthType, socket: TLSSocket): string | null {
  const given = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
  if (policy === 'RequireAnyClientCert' && !given) return 'no client certificate';
  if (policy === 'VerifyClientCertIfGiven' && given && !socket.authorized)
    return `client certificate not verified: ${String(socket.authorizationError)}`;
  return null;
}

/**
 * The TLS side of a running https listener: enforces the client-certificate rule on every connection
 * and swaps certificates and policy when the web config file or one of its files changes.
 */
export class WebTls {
  private policy: TlsPolicy;
  private watches: FileWatch[] = [];

  constructor(
    readonly file: string,
    initial: TlsPolicy,
    private readonly logger: Logger,
  ) {
    this.policy = initial;
  }

  /** Hooks into the server and starts watching the files. */
  attach(server: HttpsServer): void {
    server.on('secureConnection', (socket: TLSSocket) => {
      const why = clientCertRefusal(this.policy.clientAuth, socket);
      if (!why) return;
      this.logger.debug({ remote: socket.remoteAddress, reason: why }, 'TLS connection refused');
      socket.destroy();
    });
    this.watch(server);
  }

  /** Re-reads everything; on any error keeps the current context and returns false. */
  reload(server: HttpsServer): boolean {
    try {
      const policy = loadWebConfig(this.file);
      if (!policy) throw new OvncpError('OVNCP_ERR_CONFIG', `${this.file}: tls_server_config was removed`);
      const opts = tlsServerOptions(policy);
      server.setSecureContext(opts); // throws on a key that does not match its certificate
      // Read per connection by Node's TLS server, so new connections get the new rule.
      Object.assign(server, { requestCert: opts.requestCert, rejectUnauthorized: opts.rejectUnauthorized });
      const filesChanged = this.files(policy).join() !== this.files(this.policy).join();
      this.policy = policy;
      if (filesChanged) this.watch(server);
      this.logger.info(
        { file: this.file, client_auth_type: policy.clientAuth },
        'TLS configuration reloaded',
      );
      return true;
    } catch (err) {
      this.logger.error(
        { err, file: this.file },
        'TLS configuration reload failed; keeping the previous one',
      );
      return false;
    }
  }

  close(): void {
    for (const w of this.watches) w.close();
    this.watches = [];
  }

  private files(p: TlsPolicy): string[] {
    return [this.file, p.certFile, p.keyFile, ...(p.clientCaFile ? [p.clientCaFile] : [])];
  }

  private watch(server: HttpsServer): void {
    this.close();
    // cert-manager and kubelet rewrite certificate files in place or by symlink swap: watch each one.
    this.watches = [...new Set(this.files(this.policy))].map((f) =>
      watchFile(f, () => this.reload(server), 200),
    );
  }
}

/** The listener's TLS from --web.config.file: null without a file or without tls_server_config. */
export function listenerTls(
  file: string | null,
  logger: Logger,
): { options: TlsServerOptions; attach(server: HttpsServer): void; close(): void } | null {
  const policy = file ? loadWebConfig(file) : null;
  if (!file || !policy) return null;
  const options = tlsServerOptions(policy);
  const tls = new WebTls(file, policy, logger);
  return { options, attach: (server) => tls.attach(server), close: () => tls.close() };
}
