// Real OVN as the judge of match semantics: every match goes into a drop ACL on its own switch of a
// throwaway OVN (so a match OVN rejects only disables its own ACL), then real ovn-trace, run as a
// daemon, says for each packet whether that ACL's logical flow matched.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { OvnTestbed } from '../helpers/ovn-testbed.ts';
import { ADDRESS_SETS, IP_A, IP_B, MAC_A, MAC_B, PORT_GROUP } from './generate.ts';

const run = promisify(execFile);

/** ACL priority; its logical flow has priority +1000 in ls_in_acl. */
const ACL_PRIORITY = 1000;
const FLOW_PRIORITY = ACL_PRIORITY + 1000;

export const switchName = (k: number) => `s${k}`;
export const portA = (k: number) => `s${k}a`;
export const portB = (k: number) => `s${k}b`;

export function instantiate(template: string, k: number): string {
  return template.replaceAll('{A}', portA(k)).replaceAll('{B}', portB(k));
}

function setValue(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(',')}]`;
}

/** Creates one switch per match (ports {A} and {B}, one drop ACL), the address sets and port group. */
export async function buildNetwork(tb: OvnTestbed, matches: readonly string[]): Promise<void> {
  const args: string[] = [];
  const cmd = (...c: string[]) => args.push('--', ...c);
  for (const [name, values] of Object.entries(ADDRESS_SETS))
    cmd('create', 'Address_Set', `name=${name}`, `addresses=${setValue(values)}`);
  matches.forEach((m, k) => {
    cmd('ls-add', switchName(k));
    cmd('lsp-add', switchName(k), portA(k));
    cmd('lsp-set-addresses', portA(k), `${MAC_A} ${IP_A}`);
    cmd('lsp-add', switchName(k), portB(k));
    cmd('lsp-set-addresses', portB(k), `${MAC_B} ${IP_B}`);
    cmd('acl-add', switchName(k), 'from-lport', String(ACL_PRIORITY), instantiate(m, k), 'drop');
  });
  cmd('pg-add', PORT_GROUP, ...matches.map((_, k) => portA(k)));
  await tb.nbctl(...args.slice(1));
  await tb.sync();
}

export type Verdict = 'match' | 'nomatch' | 'inconclusive';

/** Reads one detailed ovn-trace output: did the test ACL's flow match, or did the packet go on? */
export function verdictOf(output: string, k: number): Verdict {
  const acl = /\bls_in_acl \([^)]*\): .*, priority (\d+), uuid/.exec(output);
  if (acl) return Number(acl[1]) === FLOW_PRIORITY ? 'match' : 'inconclusive';
  const delivered = output.includes(`output to "${portB(k)}"`) || output.includes(`output("${portB(k)}")`);
  return delivered ? 'nomatch' : 'inconclusive';
}

export class TraceDaemon {
  constructor(private readonly ctl: string) {}

  static async start(tb: OvnTestbed): Promise<TraceDaemon> {
    return new TraceDaemon(await tb.startTraceDaemon('new'));
  }

  /**
   * Matches ovn-trace could not parse (it logs each and ignores its flow), with OVN's reason. Read
   * after the first trace: the daemon has loaded the SB by then.
   */
  rejectedMatches(): Map<string, string> {
    const log = readFileSync(this.ctl.replace(/\.ctl$/, '.log'), 'utf8');
    const out = new Map<string, string>();
    for (const m of log.matchAll(/\|ovntrace\|WARN\|(.*): parsing expression failed \((.*)\)$/gm))
      out.set(m[1]!, m[2]!);
    return out;
  }

  async trace(datapath: string, microflow: string): Promise<string> {
    const { stdout } = await run('ovs-appctl', ['-t', this.ctl, 'trace', datapath, microflow], {
      maxBuffer: 16 << 20,
    });
    return stdout;
  }
}

/** Runs `jobs` with at most `limit` in flight (the daemon is one process; a little overlap hides spawn cost). */
export async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}
