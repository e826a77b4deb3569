// `trace`: one packet through the logical network, from the command line. Locally it reads the
// topology (snapshot file, live NB, or the demo network) and runs an engine in-process; with --url it
// asks a running daemon's API instead. Prints a hop table, or the API's JSON with --json.
// Exit code: 0 when the packet reaches its destination, 1 when it does not (or on error), 2 on bad usage.

import { Registry } from 'prom-client';
import { OvncpClient } from '../../client/index.ts';
import { ENGINE_CHOICES, resolveSettings } from '../../config/daemon-config.ts';
import { toTraceResult } from '../../engine/result/api.ts';
import { renderTrace } from '../../engine/result/table.ts';
import type { Protocol, TraceRequest, TraceResult } from '../../engine/types.ts';
import { createLogger } from '../../log.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { type CliIo, type Command, SOURCE_FLAGS, SSL_FLAGS, sslSettings, str } from '../command.ts';
import { FlagError, type FlagSpec, type ParsedFlags } from '../flags.ts';

const REQUEST_FLAGS: readonly FlagSpec[] = [
  { name: 'source-port', help: 'Logical switch port the packet enters from (name or UUID). Required.' },
  { name: 'source-mac', help: 'Source MAC (default: the source port’s).' },
  { name: 'source-ip', help: 'Source IP (default: the source port’s).' },
  {
    name: 'destination-mac',
    help: 'Destination MAC (default: the owner of destination-ip, or the gateway).',
  },
  { name: 'destination-ip', help: 'Destination IP.' },
  { name: 'protocol', help: 'Protocol.', choices: ['tcp', 'udp', 'icmp'] },
  { name: 'source-port-num', help: 'TCP/UDP source port.', type: 'number' },
  { name: 'destination-port-num', help: 'TCP/UDP destination port.', type: 'number' },
  { name: 'max-hops', help: 'Give up after this many hops (1..100).', type: 'number' },
  { name: 'verbose', help: 'Per-hop detail (and raw ovn-trace text).', type: 'boolean' },
];

function num(flags: ParsedFlags, name: string): number | undefined {
  const v = str(flags, name);
  return v === undefined ? undefined : Number(v);
}

export function requestFromFlags(flags: ParsedFlags): TraceRequest {
  const source = str(flags, 'source-port');
  if (!source) throw new FlagError('--source-port is required');
  const req: TraceRequest = {
    source_port: source,
    source_mac: str(flags, 'source-mac'),
    source_ip: str(flags, 'source-ip'),
    destination_mac: str(flags, 'destination-mac'),
    destination_ip: str(flags, 'destination-ip'),
    protocol: str(flags, 'protocol') as Protocol | undefined,
    source_port_num: num(flags, 'source-port-num'),
    destination_port_num: num(flags, 'destination-port-num'),
    max_hops: num(flags, 'max-hops'),
    verbose: flags.verbose === true ? true : undefined,
  };
  // Leave unset fields out, exactly as an API caller would.
  return Object.fromEntries(
    Object.entries(req).filter(([, v]) => v !== undefined),
  ) as unknown as TraceRequest;
}

async function traceLocally(flags: ParsedFlags, io: CliIo, req: TraceRequest): Promise<TraceResult> {
  const settings = resolveSettings(
    {
      'config.file': str(flags, 'config.file'),
      'ovn.nb-db': str(flags, 'ovn.nb-db'),
      'ovn.sb-db': str(flags, 'ovn.sb-db'),
      'ovn.version': str(flags, 'ovn.version'),
      ...sslSettings(flags),
      'topology.file': str(flags, 'topology.file'),
      'topology.sb-file': str(flags, 'topology.sb-file'),
      engine: str(flags, 'engine'),
    },
    io.env,
  );
  const rt = createRuntime(settings, { logger: createLogger('warn', 'json'), registry: new Registry() });
  try {
    await rt.loadOnce();
    const network = rt.topology.require();
    return toTraceResult(await rt.engines().onDemand().trace(req, { network }));
  } finally {
    await rt.stop();
  }
}

export const traceCommand: Command = {
  name: 'trace',
  usage:
    'ovncp-monitor trace --source-port PORT --destination-ip IP [--protocol tcp --destination-port-num 80] [flags]',
  summary: 'Trace one packet through the logical network and print the hops.',
  flags: [
    ...REQUEST_FLAGS,
    ...SOURCE_FLAGS,
    ...SSL_FLAGS,
    {
      name: 'engine',
      help: 'Engine for a local trace (auto: lflow with an SB, else the model).',
      choices: ENGINE_CHOICES,
      default: 'auto',
    },
    { name: 'url', help: 'Ask a running daemon instead, e.g. http://127.0.0.1:9477.', env: 'OVNCP_URL' },
    { name: 'token', help: 'Bearer token for --url.', env: 'OVNCP_TOKEN' },
    {
      name: 'simulate',
      help: 'With --url: use /simulate (the model engine) instead of /flow.',
      type: 'boolean',
    },
    { name: 'json', help: 'Print the result as JSON (the API response).', type: 'boolean' },
  ],
  async run(flags, io) {
    const req = requestFromFlags(flags);
    const url = str(flags, 'url') ?? io.env.OVNCP_URL;
    let result: TraceResult;
    if (url) {
      const client = new OvncpClient({ baseUrl: url, token: str(flags, 'token') ?? io.env.OVNCP_TOKEN });
      result = flags.simulate === true ? await client.simulate(req) : await client.flow(req);
    } else result = await traceLocally(flags, io, req);
    io.out.write(flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : renderTrace(result));
    return result.reaches_destination ? 0 : 1;
  },
};
