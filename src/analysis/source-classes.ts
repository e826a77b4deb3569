// Source ports that every trace must treat alike, grouped so that "who can reach X" traces one port per
// group. A trace from a port depends on the port only through: its switch (the pipeline it enters), the
// port groups it is in (`@pg` tests, group ACLs), its name or MAC where a match, NAT or LB names them,
// where its source address falls among every address constant the network compares against (literal
// IPs/CIDRs of ACL and policy matches, the address sets those matches use, derived `$pg_ip4` sets,
// src-ip routes, NAT logical IPs), whether its own port-security networks hold that address, and the shape of its own `addresses` and
// `port_security` with its own MAC and IPs written as placeholders. Ports equal on all of that are one
// class. test/analysis/reachers.test.ts traces every member of every class on generated networks and
// checks each ends as its class's representative does.

import { fieldComparisons, type RefResolver, resolveAddressSet, tokenize } from '../ovn/expr/index.ts';
import { cidrContains, formatIp, type IpAddr } from '../ovn/net/addr.ts';
import { portIps, portMacs } from '../ovn/topology/topology-index.ts';
import type { SwitchPort, Topology } from '../ovn/topology/types.ts';

/** One group of source ports that behave alike; `ports[0]` is traced for all. */
export interface SourceClass {
  readonly ports: string[];
  readonly switchName: string;
  readonly portGroups: readonly string[];
  /** The source address every member sends from (its first of the family), for the representative. */
  readonly mac: string;
  readonly ip: string;
}

/** `(ip & mask) == value` for one family; `id` names the constant or set it came from. */
interface IpTest {
  readonly family: 4 | 6;
  readonly value: bigint;
  readonly mask: bigint;
  readonly id: string;
}

/** Everything the network compares a source against, gathered once per request. */
interface Constants {
  readonly names: ReadonlySet<string>;
  readonly macs: ReadonlySet<string>;
  /** A masked MAC constant exists: MACs are then kept whole in the key. */
  readonly maskedMac: boolean;
  /** Families whose source address some match tests in a way ids cannot say: keyed whole. */
  readonly opaque: ReadonlySet<4 | 6>;
  /** family -> mask -> masked value -> ids. */
  readonly ips: ReadonlyMap<4 | 6, Map<bigint, Map<bigint, string[]>>>;
}

const SOURCE_FIELDS: ReadonlySet<string> = new Set(['eth.src', 'ip4.src', 'ip6.src']);

const FULL = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n } as const;

function macText(v: bigint): string {
  return v
    .toString(16)
    .padStart(12, '0')
    .replace(/(..)(?!$)/g, '$1:');
}

class ConstantsBuilder {
  readonly names = new Set<string>();
  readonly macs = new Set<string>();
  maskedMac = false;
  readonly opaque = new Set<4 | 6>();
  readonly ips = new Map<4 | 6, Map<bigint, Map<bigint, string[]>>>();
  private readonly sets = new Set<string>();

  constructor(private readonly refs: RefResolver) {}

  ip(t: IpTest): void {
    let byMask = this.ips.get(t.family);
    if (!byMask) this.ips.set(t.family, (byMask = new Map()));
    let byValue = byMask.get(t.mask);
    if (!byValue) byMask.set(t.mask, (byValue = new Map()));
    const v = t.value & t.mask;
    const ids = byValue.get(v);
    if (!ids) byValue.set(v, [t.id]);
    else if (!ids.includes(t.id)) ids.push(t.id);
  }

  cidr(family: 4 | 6, value: bigint, prefix: number, id: string): void {
    const bits = family === 4 ? 32 : 128;
    const mask = prefix === 0 ? 0n : (FULL[family] >> BigInt(bits - prefix)) << BigInt(bits - prefix);
    this.ip({ family, value, mask, id });
  }

  /**
   * Reads one match: the names it quotes (a port named anywhere keeps its own class), and what it
   * compares the fields a source decides (eth.src, ip4.src, ip6.src) against. Destination-side
   * constants do not tell sources apart: nothing moves a source address into a destination field.
   */
  match(text: string): void {
    const toks = tokenize(text);
    for (const tok of toks) if (tok.type === 'string') this.names.add(tok.text);
    for (const [field, c] of fieldComparisons(toks, SOURCE_FIELDS)) {
      if (field === 'eth.src') {
        if (c.opaque) this.maskedMac = true;
        for (const t of c.ints) this.mac(t.value, t.mask);
      } else {
        const family = field === 'ip4.src' ? 4 : 6;
        if (c.opaque) this.opaque.add(family);
        for (const t of c.ints) {
          const mask = t.mask ?? FULL[family];
          this.ip({ family, value: t.value, mask, id: `${family}:${t.value}/${mask}` });
        }
      }
      for (const name of c.sets) this.addressSet(name);
    }
  }

  private mac(value: bigint, mask: bigint | undefined): void {
    if (mask !== undefined) this.maskedMac = true;
    else this.macs.add(macText(value));
  }

  private addressSet(name: string): void {
    if (this.sets.has(name)) return;
    this.sets.add(name);
    for (const e of resolveAddressSet(this.refs, name) ?? []) {
      if (e.format === 'mac') {
        this.mac(e.value, e.mask);
        continue;
      }
      const family = e.format === 'ipv6' ? 6 : 4;
      this.ip({ family, value: e.value, mask: e.mask ?? FULL[family], id: `$${name}` });
    }
  }
}

/**
 * The constants of a topology, gathered once: a topology never changes, and every reachers request
 * on it asks the same (reading 6k ACL matches costs about half a second at L).
 */
const constantsOf = new WeakMap<Topology, Constants>();

function gatherConstants(t: Topology, refs: RefResolver): Constants {
  let c = constantsOf.get(t);
  if (!c) constantsOf.set(t, (c = readConstants(t, refs)));
  return c;
}

function readConstants(t: Topology, refs: RefResolver): Constants {
  const b = new ConstantsBuilder(refs);
  const seen = new Set<string>();
  const match = (m: string) => {
    if (!seen.has(m)) {
      seen.add(m);
      b.match(m);
    }
  };
  for (const sw of t.switches.values()) for (const a of sw.acls) match(a.match);
  for (const g of t.portGroups.values()) for (const a of g.acls) match(a.match);
  for (const r of t.routers.values()) {
    for (const p of r.policies) match(p.match);
    for (const s of r.staticRoutes) {
      if (s.policy === 'src-ip')
        b.cidr(s.ipPrefix.family, s.ipPrefix.network, s.ipPrefix.prefix, `route:${s.uuid}`);
    }
    for (const n of r.nat) {
      b.cidr(n.logicalIp.family, n.logicalIp.network, n.logicalIp.prefix, `nat:${n.uuid}`);
      if (n.logicalPort) b.names.add(n.logicalPort);
    }
  }
  return b;
}

/** Ids of every constant that holds `ip`. */
function ipRelations(c: Constants, ip: IpAddr): string[] {
  const out: string[] = [];
  for (const [mask, byValue] of c.ips.get(ip.family) ?? []) {
    const ids = byValue.get(ip.value & mask);
    if (ids) out.push(...ids);
  }
  return out.sort();
}

/** `raw` with the port's own MAC written `M` and its own IPs `I0`, `I1`, … (CIDR forms too). */
function normalized(raw: string, mac: string, ips: readonly string[]): string {
  return raw
    .trim()
    .split(/\s+/)
    .map((w) => {
      const low = w.toLowerCase();
      if (low === mac) return 'M';
      const bare = low.replace(/\/(32|128)$/, '');
      const i = ips.indexOf(bare);
      return i >= 0 ? `I${i}` : w;
    })
    .join(' ');
}

function keyOf(t: Topology, c: Constants, p: SwitchPort, mac: string, ip: IpAddr): string {
  const ips = portIps(p).map(formatIp);
  return [
    p.switchName,
    (t.index.groupsByPort.get(p.name) ?? []).join(','),
    c.names.has(p.name) ? `name=${p.name}` : '',
    c.maskedMac || c.macs.has(mac) ? `mac=${mac}` : '',
    c.opaque.has(ip.family) ? `ip=${formatIp(ip)}` : ipRelations(c, ip).join(','),
    `type=${p.type} enabled=${p.enabled} tag=${p.tag !== null}`,
    p.addresses.map((a) => normalized(a.raw, mac, ips)).join('|'),
    p.dynamicAddresses ? normalized(p.dynamicAddresses.raw, mac, ips) : '',
    // A port's own port security only judges its own packets: whether the address it sends from is
    // inside each entry's networks is what matters, not where other ports' addresses fall.
    p.portSecurity
      .map(
        (e) => `${normalized(e.raw, mac, ips)} ${e.nets.map((n) => (cidrContains(n, ip) ? 1 : 0)).join('')}`,
      )
      .join('|'),
  ].join('\n');
}

export interface Candidates {
  readonly classes: SourceClass[];
  /** VIF ports considered (the destination itself excluded). */
  readonly considered: number;
  /** Ports left out, with why (no address of the destination's family). */
  readonly skipped: { readonly port: string; readonly reason: string }[];
}

/**
 * Every VIF port of the network except `exclude`, in classes that trace alike towards any destination
 * of `family` (see the file comment). A port sends from its first MAC and that MAC's first address of
 * the family; a port without one is skipped.
 */
export function sourceClasses(t: Topology, refs: RefResolver, family: 4 | 6, exclude: string): Candidates {
  const c = gatherConstants(t, refs);
  const byKey = new Map<string, SourceClass>();
  const skipped: { port: string; reason: string }[] = [];
  let considered = 0;
  for (const p of t.ports.values()) {
    if (p.type !== '' || p.name === exclude) continue;
    considered++;
    const from = sendingAddress(p, family);
    if (!from) {
      skipped.push({ port: p.name, reason: `no IPv${family} address` });
      continue;
    }
    const key = keyOf(t, c, p, from.mac, from.ip);
    const found = byKey.get(key);
    if (found) found.ports.push(p.name);
    else {
      byKey.set(key, {
        ports: [p.name],
        switchName: p.switchName,
        portGroups: t.index.groupsByPort.get(p.name) ?? [],
        mac: from.mac,
        ip: formatIp(from.ip),
      });
    }
  }
  return { classes: [...byKey.values()], considered, skipped };
}

/** The first static MAC of a port and the first IP of `family` listed with it. */
function sendingAddress(p: SwitchPort, family: 4 | 6): { mac: string; ip: IpAddr } | null {
  const macs = portMacs(p);
  const mac = macs[0];
  if (mac === undefined) return null;
  for (const a of [...p.addresses, ...(p.dynamicAddresses ? [p.dynamicAddresses] : [])]) {
    if (a.kind !== 'static' || a.mac !== mac) continue;
    const ip = a.ips.find((x) => x.family === family);
    if (ip) return { mac: mac.toLowerCase(), ip };
  }
  return null;
}
