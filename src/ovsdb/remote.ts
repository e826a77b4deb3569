// OVSDB remote strings as OVS tools write them: `unix:PATH`, `tcp:HOST:PORT`, `ssl:HOST:PORT`
// (IPv6 hosts in brackets), and a comma-separated list of cluster members. A bad string is a one-line
// error naming the offending member.

import { isIP } from 'node:net';
import { OvncpError } from '../errors.ts';

export type Remote =
  | { readonly kind: 'unix'; readonly path: string; readonly text: string }
  | { readonly kind: 'tcp' | 'ssl'; readonly host: string; readonly port: number; readonly text: string };

/** Private key, certificate and CA certificate files for ssl: remotes (OVS `-p`, `-c`, `-C`). */
export interface SslFiles {
  readonly privateKey?: string | undefined;
  readonly certificate?: string | undefined;
  readonly caCert?: string | undefined;
}

function bad(text: string, why: string, field: string): OvncpError {
  return new OvncpError('OVNCP_ERR_CONFIG', `bad OVSDB remote "${text}": ${why}`, { field });
}

function parseHostPort(text: string, rest: string, field: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(rest) ?? /^([^:[\]]+):(\d+)$/.exec(rest);
  if (!m) throw bad(text, 'expected HOST:PORT (IPv6 as [ADDR]:PORT)', field);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw bad(text, `port ${m[2]} is not in 1..65535`, field);
  const host = m[1]!;
  if (rest.startsWith('[') && isIP(host) !== 6) throw bad(text, `"${host}" is not an IPv6 address`, field);
  return { host, port };
}

/** Parses one member, e.g. `tcp:127.0.0.1:6641`. */
export function parseRemote(text: string, field = 'ovn.nb-db'): Remote {
  const t = text.trim();
  const colon = t.indexOf(':');
  if (colon < 0) throw bad(t, 'expected unix:PATH, tcp:HOST:PORT or ssl:HOST:PORT', field);
  const kind = t.slice(0, colon);
  const rest = t.slice(colon + 1);
  if (kind === 'unix') {
    if (!rest) throw bad(t, 'empty socket path', field);
    return { kind, path: rest, text: t };
  }
  if (kind === 'tcp' || kind === 'ssl') return { kind, ...parseHostPort(t, rest, field), text: t };
  if (kind === 'punix' || kind === 'ptcp' || kind === 'pssl')
    throw bad(t, `"${kind}:" is a listening (server) remote; use ${kind.slice(1)}:`, field);
  throw bad(t, `unknown method "${kind}:" (use unix:, tcp: or ssl:)`, field);
}

/** Parses a comma-separated list of members; at least one. */
export function parseRemotes(text: string, field = 'ovn.nb-db'): Remote[] {
  const members = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (members.length === 0) throw bad(text, 'no remote given', field);
  return members.map((m) => parseRemote(m, field));
}

/** Checks that ssl: members have the files they need, before any connection attempt. */
export function checkSsl(remotes: readonly Remote[], ssl: SslFiles | undefined): void {
  const sslRemote = remotes.find((r) => r.kind === 'ssl');
  if (!sslRemote) return;
  const missing = [
    ['private key', ssl?.privateKey],
    ['certificate', ssl?.certificate],
    ['CA certificate', ssl?.caCert],
  ].filter(([, v]) => !v);
  if (missing.length > 0)
    throw new OvncpError(
      'OVNCP_ERR_CONFIG',
      `remote "${sslRemote.text}" needs ${missing.map(([n]) => n).join(', ')} (config ovn.ssl or --ovn.ssl.* flags)`,
      { field: 'ovn.ssl' },
    );
}

/**
 * The same files as options for OVS tools (ovn-trace, ovsdb-client, ovn-sbctl): the one place that turns
 * resolved SSL settings into `--private-key=… --certificate=… --ca-cert=…`.
 */
export function ovsSslArgs(ssl: SslFiles | undefined): string[] {
  if (!ssl) return [];
  return [
    ...(ssl.privateKey ? [`--private-key=${ssl.privateKey}`] : []),
    ...(ssl.certificate ? [`--certificate=${ssl.certificate}`] : []),
    ...(ssl.caCert ? [`--ca-cert=${ssl.caCert}`] : []),
  ];
}
