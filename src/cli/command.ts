// The shape every subcommand has: a name, a summary, its flags, and run() returning the exit code.

import type { FlagSpec, ParsedFlags } from './flags.ts';

export interface CliIo {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  run(flags: ParsedFlags, io: CliIo): Promise<number>;
}

/** Flags shared by every command that reads the network. */
export const SOURCE_FLAGS: readonly FlagSpec[] = [
  { name: 'config.file', help: 'Daemon configuration file (YAML).' },
  {
    name: 'ovn.nb-db',
    help: 'OVN Northbound DB remote (unix:PATH, tcp:IP:PORT, ssl:IP:PORT, comma list).',
    env: 'OVN_NB_DB',
  },
  {
    name: 'ovn.sb-db',
    help: 'OVN Southbound DB remote (same forms), followed live for the lflow engine (and ovn-trace).',
    env: 'OVN_SB_DB',
  },
  { name: 'topology.file', help: 'Snapshot file to read the topology from (YAML or JSON).' },
  {
    name: 'ovn.version',
    help: 'OVN release to model (e.g. 25.03), over what the NB schema or the snapshot says.',
  },
  {
    name: 'topology.sb-file',
    help: 'Saved Southbound DB file (ovsdb-server standalone format) for the lflow engine offline.',
  },
];

/** Key, certificate and CA for ssl: remotes (like OVS -p/-c/-C); override the config file's ovn.ssl. */
export const SSL_FLAGS: readonly FlagSpec[] = [
  { name: 'ovn.ssl.private-key', help: 'Private key for ssl: remotes (like OVS -p).' },
  { name: 'ovn.ssl.certificate', help: 'Certificate for ssl: remotes (like OVS -c).' },
  { name: 'ovn.ssl.ca-cert', help: 'CA certificate that signed the server (like OVS -C).' },
];

/** The SSL_FLAGS values as resolveSettings takes them. */
export function sslSettings(flags: ParsedFlags): Record<string, string | undefined> {
  return Object.fromEntries(SSL_FLAGS.map((f) => [f.name, str(flags, f.name)]));
}

export function str(flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function notImplemented(name: string, issue: string): Command['run'] {
  return async (_flags, io) => {
    io.err.write(`ovncp-monitor ${name}: not implemented yet (${issue})\n`);
    return 2;
  };
}
