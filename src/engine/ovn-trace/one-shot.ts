// Runs one `ovn-trace` process per trace (the simple, always-correct mode: it reads the SB fresh each
// time). The argv is an array (no shell), options come before `--`, and DATAPATH and MICROFLOW after it,
// so nothing in them can be read as an option. A timeout kills the process (SIGTERM, then SIGKILL).

import { OvncpError } from '../../errors.ts';
import { run } from './children.ts';
import type { Microflow } from './microflow.ts';
import { innerRemote, type OvnTools, ovnTraceArgv } from './ovn-tools.ts';

export const DEFAULT_TIMEOUT_MS = 30_000;
/** ct states given per trace: more than any real pipeline has ct steps (each is `new`, DESIGN.md §2). */
export const ONE_SHOT_CT_STATES = 32;

export interface OneShotOptions {
  readonly sbDb: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Extra options placed before `--`, built by us only (e.g. `--lb-dst=IP:PORT`). */
  readonly extraOptions?: readonly string[];
  /** Which ovn-trace to run (default: the host's). */
  readonly tools?: OvnTools;
}

/** The argv of a one-shot trace: options, `--`, then the two positional arguments. */
export function oneShotArgv(flow: Microflow, opts: Pick<OneShotOptions, 'sbDb' | 'extraOptions'>): string[] {
  const ct = Array.from({ length: ONE_SHOT_CT_STATES }, () => '--ct=new');
  return [
    `--db=${opts.sbDb}`,
    ...ct,
    ...(opts.extraOptions ?? []),
    '--detailed',
    '--',
    flow.datapath,
    flow.match,
  ];
}

/** Runs ovn-trace once; returns its detailed output. Throws OvncpError on timeout or failure. */
export async function traceOneShot(flow: Microflow, opts: OneShotOptions): Promise<string> {
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tools = opts.tools ?? {};
  const [file, argv] = ovnTraceArgv(
    tools,
    oneShotArgv(flow, { ...opts, sbDb: innerRemote(tools, opts.sbDb) }),
  );
  const r = await run(file, argv, {
    timeout,
    forceKillAfterDelay: 2000,
    reject: false,
    stdin: 'ignore',
    maxBuffer: 256 << 20,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  if (r.timedOut) {
    throw new OvncpError('OVNCP_ERR_TIMEOUT', `ovn-trace did not finish within ${timeout} ms`);
  }
  if (r.isCanceled) throw new OvncpError('OVNCP_ERR_TIMEOUT', 'trace cancelled');
  if (r.failed) throw traceFailure(String(r.stderr || r.message));
  // A trace starts with the `# <flow>` line; anything else is ovn-trace's complaint (some exit 0).
  const out = String(r.stdout);
  if (!out.startsWith('#')) throw traceFailure(`${out}\n${String(r.stderr)}`);
  return out;
}

/** ovn-trace's own complaints: a name it does not know is the request's fault, the rest is the engine's. */
export function traceFailure(text: string): OvncpError {
  const msg = text
    .trim()
    .split('\n')
    .filter((l) => !/\|vlog\|/.test(l))
    .join(' ')
    .slice(0, 500);
  if (/unknown datapath|unknown logical port|unknown port/i.test(msg)) {
    return new OvncpError('OVNCP_ERR_UNRESOLVABLE', `ovn-trace: ${msg}`, { field: 'source_port' });
  }
  return new OvncpError('OVNCP_ERR_ENGINE_UNAVAILABLE', `ovn-trace failed: ${msg}`);
}
