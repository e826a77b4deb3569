// `services` and `reachers`: the analysis endpoints from the command line. Locally they read the
// topology (snapshot file, live NB, or the demo network) and run the analysis in-process; with --url
// they ask a running daemon. Print a short table, or the API's JSON with --json.
// Exit codes: 0 answered, 1 error, 2 bad usage.

import { Registry } from 'prom-client';
import {
  allowedServices,
  rangeName,
  type ServicesRequest,
  type ServicesResponse,
  servicesResponse,
} from '../../analysis/allowed-services.ts';
import { type ReachersAnswer, type ReachersRequest, reachers } from '../../analysis/reachers.ts';
import { OvncpClient } from '../../client/index.ts';
import { ENGINE_CHOICES, resolveSettings } from '../../config/daemon-config.ts';
import type { AllowedBy, Protocol, TraceEngine } from '../../engine/types.ts';
import { createLogger } from '../../log.ts';
import type { Topology } from '../../ovn/topology/types.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { type CliIo, type Command, SOURCE_FLAGS, SSL_FLAGS, sslSettings, str } from '../command.ts';
import { FlagError, type FlagSpec, type ParsedFlags } from '../flags.ts';

/** Limits of a local run: the API's defaults (the daemon's own apply with --url). */
const LOCAL_MAX_RANGES = 2048;
const LOCAL_MAX_SOURCES = 10_000;

const COMMON_FLAGS: readonly FlagSpec[] = [
  ...SOURCE_FLAGS,
  ...SSL_FLAGS,
  { name: 'engine', help: 'Engine for a local run.', choices: ENGINE_CHOICES, default: 'model' },
  { name: 'url', help: 'Ask a running daemon instead, e.g. http://127.0.0.1:9477.', env: 'OVNCP_URL' },
  { name: 'token', help: 'Bearer token for --url.', env: 'OVNCP_TOKEN' },
  { name: 'max-hops', help: 'Give up after this many hops (1..100).', type: 'number' },
  { name: 'json', help: 'Print the API response as JSON.', type: 'boolean' },
];

function num(flags: ParsedFlags, name: string): number | undefined {
  const v = str(flags, name);
  return v === undefined ? undefined : Number(v);
}

/** Drops unset fields, exactly as an API caller would leave them out. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

async function locally<T>(
  flags: ParsedFlags,
  io: CliIo,
  fn: (engine: TraceEngine, network: Topology) => Promise<T>,
): Promise<T> {
  const settings = resolveSettings(
    {
      'config.file': str(flags, 'config.file'),
      'ovn.nb-db': str(flags, 'ovn.nb-db'),
      'ovn.sb-db': str(flags, 'ovn.sb-db'),
      ...sslSettings(flags),
      'topology.file': str(flags, 'topology.file'),
      engine: str(flags, 'engine') ?? 'model',
    },
    io.env,
  );
  const rt = createRuntime(settings, { logger: createLogger('warn', 'json'), registry: new Registry() });
  try {
    await rt.loadOnce();
    return await fn(rt.engines().forChoice(settings.engine), rt.topology.require());
  } finally {
    await rt.stop();
  }
}

function clientOf(flags: ParsedFlags, io: CliIo): OvncpClient | null {
  const url = str(flags, 'url') ?? io.env.OVNCP_URL;
  return url ? new OvncpClient({ baseUrl: url, token: str(flags, 'token') ?? io.env.OVNCP_TOKEN }) : null;
}

/** `ls-db/ls_out_acl: db-allow-mysql` per ACL stage passed. */
function aclsText(list: readonly AllowedBy[]): string {
  if (list.length === 0) return '-';
  return list
    .map((a) => `${a.datapath}/${a.stage}: ${a.acl ? (a.acl.acl_name ?? a.acl.match) : 'default allow'}`)
    .join('; ');
}

function renderServices(r: ServicesResponse): string {
  const lines = [`${r.source_port} -> ${r.destination_ip} (engine ${r.engine}, ${r.traces} traces)`];
  const rows: string[] = [];
  for (const p of ['tcp', 'udp'] as const)
    for (const x of r[p]) rows.push(`  ${rangeName(p, x).padEnd(18)} ${aclsText(x.allowed_by)}`);
  if (r.icmp.reachable) rows.push(`  ${'icmp'.padEnd(18)} ${aclsText(r.icmp.allowed_by)}`);
  lines.push(rows.length > 0 ? 'Open:' : 'Nothing is open.', ...rows);
  lines.push(`Closed ranges between them: tcp ${r.closed_ranges.tcp}, udp ${r.closed_ranges.udp}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

function renderReachers(r: ReachersAnswer): string {
  const svc = r.port === undefined ? r.protocol : `${r.protocol}/${r.port}`;
  const lines = [
    `Who reaches ${r.destination_port} (${r.destination_ip}) on ${svc}: ${r.reaching} of ${r.considered} ports (${r.classes} groups traced, ${r.skipped} skipped)`,
  ];
  for (const g of r.sources) {
    const pgs = g.port_groups.length > 0 ? ` [${g.port_groups.join(', ')}]` : '';
    lines.push(`  ${g.switch}${pgs}: ${g.ports.join(', ')}`, `    allowed by ${aclsText(g.allowed_by)}`);
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

export const servicesCommand: Command = {
  name: 'services',
  usage: 'ovncp-monitor services --source-port PORT --destination-ip IP [flags]',
  summary: 'The exact TCP/UDP port ranges and ICMP a source port reaches a destination on.',
  flags: [
    { name: 'source-port', help: 'Logical switch port the packets come from. Required.' },
    { name: 'source-mac', help: 'Source MAC (default: the source port’s).' },
    { name: 'source-ip', help: 'Source IP (default: the source port’s).' },
    { name: 'destination-mac', help: 'Destination MAC (default: the owner or the gateway).' },
    { name: 'destination-ip', help: 'Destination IP.' },
    ...COMMON_FLAGS,
  ],
  async run(flags, io) {
    const source = str(flags, 'source-port');
    if (!source) throw new FlagError('--source-port is required');
    const req: ServicesRequest = defined({
      source_port: source,
      source_mac: str(flags, 'source-mac'),
      source_ip: str(flags, 'source-ip'),
      destination_mac: str(flags, 'destination-mac'),
      destination_ip: str(flags, 'destination-ip'),
      max_hops: num(flags, 'max-hops'),
    });
    const client = clientOf(flags, io);
    const r = client
      ? await client.services(req)
      : await locally(flags, io, async (engine, network) =>
          servicesResponse(req, await allowedServices(engine, req, { network, maxTraces: LOCAL_MAX_RANGES })),
        );
    io.out.write(flags.json === true ? `${JSON.stringify(r, null, 2)}\n` : renderServices(r));
    return 0;
  },
};

export const reachersCommand: Command = {
  name: 'reachers',
  usage: 'ovncp-monitor reachers --destination-port PORT [--protocol tcp --port 5432] [flags]',
  summary: 'Every source port that reaches a destination port on one service, grouped.',
  flags: [
    { name: 'destination-port', help: 'Logical switch port to reach (name or UUID). Required.' },
    {
      name: 'protocol',
      help: 'Protocol (default tcp with --port, else icmp).',
      choices: ['tcp', 'udp', 'icmp'],
    },
    { name: 'port', help: 'TCP/UDP destination port.', type: 'number' },
    { name: 'destination-ip', help: 'Which address of the port (default: its first IPv4, else first IP).' },
    ...COMMON_FLAGS,
  ],
  async run(flags, io) {
    const dst = str(flags, 'destination-port');
    if (!dst) throw new FlagError('--destination-port is required');
    const req: ReachersRequest = defined({
      destination_port: dst,
      protocol: str(flags, 'protocol') as Protocol | undefined,
      port: num(flags, 'port'),
      destination_ip: str(flags, 'destination-ip'),
      max_hops: num(flags, 'max-hops'),
    });
    const client = clientOf(flags, io);
    const r = client
      ? await client.reachers(req)
      : await locally(flags, io, (engine, network) =>
          reachers(engine, req, { network, maxSources: LOCAL_MAX_SOURCES }),
        );
    io.out.write(flags.json === true ? `${JSON.stringify(r, null, 2)}\n` : renderReachers(r));
    return 0;
  },
};
