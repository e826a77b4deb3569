// The judge: real ovn-trace of the test bed's release (the host's 23.03, or 25.03/26.03 run inside
// the bed's chroot), run as a daemon with conntrack state `new` for
// every ct step, asked in --minimal format over its unixctl socket. Builds the microflow independently
// of the engines and reads which logical ports the packet itself is output to (outputs inside an
// `arp {…}`, `icmp4 {…}`, `tcp_reset {…}` block are OVN's answers, not deliveries).

import { parseDetailed } from '../../src/engine/ovn-trace/parse-detailed.ts';
import { hopStageOf } from '../../src/engine/result/hop-stages.ts';
import type { ResolvedRequest } from '../../src/engine/types.ts';
import { formatIp } from '../../src/ovn/net/addr.ts';
import { jsonRpcOnce, type OvnTestbed } from '../helpers/ovn-testbed.ts';

/**
 * ct states given to a daemon: ovn-trace consumes the `--ct` list across the traces of one daemon (it is
 * not reset per trace) and falls back to `est|trk` once it runs out, so the budget covers every trace of
 * a network (the daemon is restarted per network) many times over; a trace that still hit the default
 * is refused rather than judged (see `trace`).
 */
const CT_STEPS = 4096;
const CT_DEFAULT = 'default (use --ct to customize)';

export function microflow(r: ResolvedRequest): string {
  const v = r.srcIp.family;
  const terms = [
    `inport == ${JSON.stringify(r.sourcePort)}`,
    `eth.src == ${r.srcMac}`,
    `eth.dst == ${r.dstMac}`,
    `ip${v}.src == ${formatIp(r.srcIp)}`,
    `ip${v}.dst == ${formatIp(r.dstIp)}`,
    'ip.ttl == 64',
  ];
  if (r.protocol === 'icmp') {
    const icmp = v === 4 ? 'icmp4' : 'icmp6';
    terms.push(`${icmp}.type == ${v === 4 ? 8 : 128}`, `${icmp}.code == 0`);
  } else {
    terms.push(`${r.protocol}.src == ${r.srcPortNum}`, `${r.protocol}.dst == ${r.dstPortNum}`);
  }
  return terms.join(' && ');
}

/** Ports the packet is delivered to, read from --minimal output. */
export function deliveredPorts(minimal: string): string[] {
  const stack: boolean[] = [];
  const out: string[] = [];
  for (const raw of minimal.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') continue;
    if (line.endsWith('{')) {
      // ct_next / ct_lb_mark / clone / select (ECMP) blocks carry the packet on; anything else is a
      // generated reply.
      const ok = /^(ct_|clone|select)/.test(line);
      stack.push(ok && stack.every(Boolean));
      continue;
    }
    if (line.startsWith('}')) {
      stack.pop();
      continue;
    }
    const m = /^output\("(.*)"\);$/.exec(line);
    if (m && stack.every(Boolean) && !out.includes(m[1]!)) out.push(m[1]!);
  }
  return out.sort();
}

/**
 * The stages where ovn-trace's paths of the packet itself ended in a drop (a packet that forks at a ct
 * or LB step can drop on several branches), plus the last table it printed — as hop stage ids (the
 * shared hop rule, src/engine/result/hop-stages.ts, names a group of OVN stages by its main stage).
 */
export function dropStagesOf(detailed: string): Set<string> {
  const p = parseDetailed(detailed);
  const tables = p.steps.filter((s) => s.kind === 'table' && !s.generated);
  const out = new Set<string>();
  for (const s of tables) if (s.kind === 'table' && s.dropped) out.add(hopStageOf(s.stage).stage);
  const last = tables.at(-1);
  if (last && last.kind === 'table') out.add(hopStageOf(last.stage).stage);
  return out;
}

async function unixctl(socket: string, method: string, params: string[]): Promise<string> {
  const msg = await jsonRpcOnce(socket, method, params);
  if (msg.error) throw new Error(`ovn-trace: ${JSON.stringify(msg.error)}`);
  return typeof msg.result === 'string' ? msg.result : '';
}

/** An ovn-trace daemon over the test bed's current SB; restart it after every SB change. */
export class OvnTraceOracle {
  private ctl: string | null = null;
  private pidFile: string | null = null;
  /** Daemon names are unique per process: several oracles may share one test bed. */
  private static n = 0;

  /** `flags`: more ovn-trace options, e.g. --select-id=2 (which ECMP member `select` takes). */
  constructor(
    private readonly tb: OvnTestbed,
    private readonly flags: readonly string[] = [],
  ) {}

  async restart(): Promise<void> {
    await this.stop();
    const flags = this.tb.daemonFlags(`conf-trace-${OvnTraceOracle.n++}`);
    const ct = Array.from({ length: CT_STEPS }, () => '--ct=new');
    // --no-friendly-names: ovn-trace otherwise prints a UUID-shaped port name (Neutron's) cut to 6 chars.
    const argv = [`--db=${this.tb.innerSbRemote}`, '--no-friendly-names', ...ct, ...this.flags, ...flags];
    await this.tb.exec('ovn-trace', argv);
    const flag = (name: string) => flags.find((f) => f.startsWith(name))!.slice(name.length);
    this.ctl = this.tb.outer(flag('--unixctl='));
    this.pidFile = this.tb.outer(flag('--pidfile='));
  }

  async trace(r: ResolvedRequest): Promise<{ ports: string[]; text: string }> {
    if (!this.ctl) throw new Error('oracle not started');
    const text = await unixctl(this.ctl, 'trace', ['--minimal', r.datapath, microflow(r)]);
    if (text.includes(CT_DEFAULT)) throw new Error('oracle: ovn-trace ran out of --ct states (est used)');
    return { ports: deliveredPorts(text), text };
  }

  async detailed(r: ResolvedRequest): Promise<string> {
    return unixctl(this.ctl!, 'trace', ['--detailed', r.datapath, microflow(r)]);
  }

  async stop(): Promise<void> {
    if (!this.pidFile) return;
    const pid = this.tb.daemonPid(this.pidFile);
    try {
      if (pid !== null) process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    this.pidFile = null;
    this.ctl = null;
  }
}
