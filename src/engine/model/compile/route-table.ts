// The one route compiler: the routes of a logical router as ovn-northd 23.03 installs them, grouped
// per route table, and their lookup. lr_in_ip_routing_pre sets reg7 to the route table id of the
// inport (options:route_table; 0 without). Connected routes match any reg7, and so do global src-ip
// routes before 25.03; a static dst-ip route (and from 25.03 any static route) matches only
// `reg7 == <its table>`, so a global (empty route_table) dst-ip route does NOT apply to packets entering
// a port with a route table, and a table's routes apply only to ports naming that table. Static routes with the same prefix, policy and table form one ECMP group
// (lr_in_ip_routing_ecmp): OVN hashes a flow to one member, ovn-trace 23.03 picks one at random
// (--select-id picks one by id); the model follows all.
// compileRoutes runs once per compiled router; a trace only calls lookupRoutes on a prepared table.

import { type Cidr, formatIp, type IpAddr, parseIp } from '../../../ovn/net/addr.ts';
import type { LogicalRouter, RouterPort, StaticRoute } from '../../../ovn/topology/types.ts';
import { type IpKey, inCidr, macValue } from '../packet.ts';

export interface CompiledRoute {
  /** OVN's flow priority: prefix length * 3 + (2 connected, 1 static dst-ip, 0 src-ip). */
  readonly priority: number;
  readonly prefix: Cidr;
  readonly bySource: boolean;
  readonly kind: 'connected' | 'static';
  /** The route table it belongs to ('' = the global table; always '' for a connected route). */
  readonly table: string;
  readonly discard: boolean;
  /** The output port; null for a discard route. */
  readonly outport: RouterPort | null;
  /** Next hop; null for a connected route (the destination itself) and a discard route. */
  readonly nexthop: IpAddr | null;
  readonly route: StaticRoute | null;
  /** How hops name it: `connected network 10.0.0.0/24`, `static route … via … in route table T`. */
  readonly text: string;
  /** The output port's MAC value (the routed packet's new eth.src); -1n for a discard route. */
  readonly outMac: bigint;
}

/** Routes of one priority (so of one prefix length and kind), by masked address. */
export interface RouteGroup {
  readonly priority: number;
  readonly bySource: boolean;
  readonly mask4: number;
  readonly mask6: bigint;
  readonly byPrefix: ReadonlyMap<IpKey, readonly CompiledRoute[]>;
}

/** The routes a packet entering by a port of one route table can match, grouped highest priority first. */
export interface RouteTable {
  /** '' for ports without options:route_table. */
  readonly name: string;
  readonly groups: readonly RouteGroup[];
}

export interface CompiledRoutes {
  /** Every route that installs a flow, in all tables, highest priority first. */
  readonly all: readonly CompiledRoute[];
  /** The global table (ports without options:route_table). */
  readonly global: RouteTable;
  /** The lookup table per router port name. */
  readonly byInport: ReadonlyMap<string, RouteTable>;
  /** Why some static routes install no flow. */
  readonly ignored: readonly string[];
}

/** The route table a packet entering `lrp` is looked up in ('' = global). */
export function tableOf(lrp: RouterPort): string {
  return lrp.options.route_table ?? '';
}

const prefixText = (c: Cidr) => `${formatIp({ family: c.family, value: c.network })}/${c.prefix}`;

function staticRoute(
  r: LogicalRouter,
  ports: readonly RouterPort[],
  sr: StaticRoute,
): CompiledRoute | string {
  const p = prefixText(sr.ipPrefix);
  const inTable = sr.routeTable ? ` in route table ${sr.routeTable}` : '';
  const where = `static route ${p} via ${sr.nexthop}${sr.routeTable ? ` (route table ${sr.routeTable})` : ''} on ${r.name}`;
  const bySource = sr.policy === 'src-ip';
  const text = `static route ${p}${bySource ? ' (src-ip)' : ''} via ${sr.nexthop}${inTable}`;
  const base = {
    prefix: sr.ipPrefix,
    bySource,
    kind: 'static' as const,
    table: sr.routeTable,
    route: sr,
    text,
  };
  const priority = sr.ipPrefix.prefix * 3 + (bySource ? 0 : 1);
  if (sr.nexthop === 'discard')
    return { ...base, priority, discard: true, outport: null, nexthop: null, outMac: -1n };
  const nh = parseIp(sr.nexthop);
  if (!nh || nh.family !== sr.ipPrefix.family) return `${where} ignored: bad next hop`;
  const outport = sr.outputPort
    ? (ports.find((x) => x.name === sr.outputPort) ?? null)
    : (ports.find((x) => x.networks.some((n) => inCidr(n, nh))) ?? null);
  if (!outport) return `${where} ignored: no router port reaches the next hop (OVN installs no flow)`;
  return { ...base, priority, discard: false, outport, nexthop: nh, outMac: macValue(outport.mac) };
}

/** The connected route of every network of the given router ports. */
function connectedRoutes(ports: readonly RouterPort[]): CompiledRoute[] {
  const routes: CompiledRoute[] = [];
  for (const p of ports) {
    for (const n of p.networks) {
      routes.push({
        priority: n.prefix * 3 + 2,
        prefix: n,
        bySource: false,
        kind: 'connected',
        table: '',
        discard: false,
        outport: p,
        nexthop: null,
        route: null,
        text: `connected network ${prefixText(n)}`,
        outMac: macValue(p.mac),
      });
    }
  }
  return routes;
}

/**
 * Whether OVN's flow for `r` matches a packet whose inport selected route table `table`;
 * `srcIpEverywhere`: the release's globalSrcIpRouteInEveryTable (ovn-version.ts).
 */
function applies(r: CompiledRoute, table: string, srcIpEverywhere: boolean): boolean {
  if (r.kind === 'connected') return true;
  // northd writes `reg7 == id` into every static dst-ip route (id 0 for the global table); into src-ip
  // routes before 25.03 only when they belong to a named table.
  return r.table === table || (srcIpEverywhere && r.table === '' && r.bySource);
}

const mask4 = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
const mask6 = (bits: number): bigint =>
  bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << (128n - BigInt(bits));

/** Groups routes sorted by priority (one prefix length and kind each), keyed by masked address. */
function groupRoutes(routes: readonly CompiledRoute[]): RouteGroup[] {
  const groups: RouteGroup[] = [];
  for (const r of routes) {
    let g = groups.at(-1);
    if (!g || g.priority !== r.priority) {
      const bits = r.prefix.prefix;
      g = {
        priority: r.priority,
        bySource: r.bySource,
        mask4: mask4(Math.min(bits, 32)),
        mask6: mask6(bits),
        byPrefix: new Map(),
      };
      groups.push(g);
    }
    const byPrefix = g.byPrefix as Map<IpKey, CompiledRoute[]>;
    const k = r.prefix.family === 4 ? (Number(r.prefix.network) & g.mask4) >>> 0 : r.prefix.network & g.mask6;
    const l = byPrefix.get(k);
    if (l) l.push(r);
    else byPrefix.set(k, [r]);
  }
  return groups;
}

/** Compiles a router's routes once: every route that installs a flow, and each inport's lookup table. */
export function compileRoutes(
  r: LogicalRouter,
  ports: readonly RouterPort[],
  srcIpEverywhere = true,
): CompiledRoutes {
  const ignored: string[] = [];
  const all = connectedRoutes(ports);
  for (const sr of r.staticRoutes) {
    const c = staticRoute(r, ports, sr);
    if (typeof c === 'string') ignored.push(c);
    else all.push(c);
  }
  // Stable: at one priority, connected routes and then static ones in NB order.
  all.sort((a, b) => b.priority - a.priority);
  const table = (name: string): RouteTable => ({
    name,
    groups: groupRoutes(all.filter((x) => applies(x, name, srcIpEverywhere))),
  });
  const global = table('');
  const tables = new Map<string, RouteTable>([['', global]]);
  const byInport = new Map<string, RouteTable>();
  for (const p of ports) {
    const name = tableOf(p);
    let t = tables.get(name);
    if (!t) tables.set(name, (t = table(name)));
    byInport.set(p.name, t);
  }
  return { all, global, byInport, ignored };
}

const NO_ROUTES: readonly CompiledRoute[] = [];

/** The winning routes in `table`: the highest-priority match, with its ECMP siblings. */
export function lookupRoutes(table: RouteTable, src: IpKey, dst: IpKey): readonly CompiledRoute[] {
  for (const g of table.groups) {
    const a = g.bySource ? src : dst;
    const hit = g.byPrefix.get(typeof a === 'bigint' ? a & g.mask6 : (a & g.mask4) >>> 0);
    if (!hit) continue;
    // Routes of one priority are of one kind: static ones are ECMP siblings; of two connected networks
    // with one prefix OVN installs one flow, the first port's.
    return hit.length === 1 || hit[0]!.kind === 'static' ? hit : hit.slice(0, 1);
  }
  return NO_ROUTES;
}
