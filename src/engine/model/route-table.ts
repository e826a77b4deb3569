// The routes of one logical router as ovn-northd 23.03 installs them, with route tables and ECMP.
// lr_in_ip_routing_pre sets reg7 to the route table id of the inport (options:route_table; 0 without).
// Connected routes and global src-ip routes match any reg7; a static dst-ip route matches only
// `reg7 == <its table>`, so a global (empty route_table) dst-ip route does NOT apply to packets entering
// a port with a route table, and a table's routes apply only to ports naming that table. Static routes
// with the same prefix, policy and table form one ECMP group (lr_in_ip_routing_ecmp): OVN hashes a flow
// to one member, ovn-trace 23.03 picks one at random (--select-id picks one by id); the model follows all.

import { formatIp, type IpAddr, parseIp } from '../../ovn/net/addr.ts';
import type { RouterPort, StaticRoute } from '../../ovn/topology/types.ts';
import { type CompiledRoute, type CompiledRouter, connectedRoutes, maskOf } from './compile.ts';
import { macValue } from './packet.ts';

/** A compiled route and the route table it belongs to. */
export interface TableRoute extends CompiledRoute {
  /** The route table it belongs to ('' = the global table). */
  readonly table: string;
}

/** Routes of one priority and family, by masked address, highest priority first. */
interface Group {
  readonly priority: number;
  readonly family: 4 | 6;
  readonly bySource: boolean;
  readonly mask: bigint;
  readonly byPrefix: Map<bigint, TableRoute[]>;
}

export interface RouterRoutes {
  readonly groups: readonly Group[];
  /** Why some static routes install no flow. */
  readonly ignored: readonly string[];
  /** True when some port or route uses a route table (else every lookup uses the global table). */
  readonly usesTables: boolean;
}

const cache = new WeakMap<CompiledRouter, RouterRoutes>();

/** The route table a packet entering `lrp` is looked up in ('' = global). */
export function tableOf(lrp: RouterPort): string {
  return lrp.options.route_table ?? '';
}

function networkFor(ports: readonly RouterPort[], ip: IpAddr): RouterPort | null {
  for (const p of ports)
    for (const n of p.networks) if (n.family === ip.family && (ip.value & maskOf(n)) === n.network) return p;
  return null;
}

function staticRoute(cr: CompiledRouter, sr: StaticRoute): TableRoute | string {
  const p = `${formatIp({ family: sr.ipPrefix.family, value: sr.ipPrefix.network })}/${sr.ipPrefix.prefix}`;
  const where = `static route ${p} via ${sr.nexthop}${sr.routeTable ? ` (route table ${sr.routeTable})` : ''} on ${cr.router.name}`;
  const bySource = sr.policy === 'src-ip';
  const text = `static route ${p}${bySource ? ' (src-ip)' : ''} via ${sr.nexthop}${sr.routeTable ? ` in route table ${sr.routeTable}` : ''}`;
  const base = {
    prefix: sr.ipPrefix,
    bySource,
    kind: 'static' as const,
    route: sr,
    table: sr.routeTable,
    text,
  };
  const priority = sr.ipPrefix.prefix * 3 + (bySource ? 0 : 1);
  if (sr.nexthop === 'discard')
    return { ...base, priority, discard: true, outport: null, nexthop: null, outMac: 0n };
  const nh = parseIp(sr.nexthop);
  if (!nh || nh.family !== sr.ipPrefix.family) return `${where} ignored: bad next hop`;
  const outport = sr.outputPort
    ? (cr.ports.find((x) => x.name === sr.outputPort) ?? null)
    : networkFor(cr.ports, nh);
  if (!outport) return `${where} ignored: no router port reaches the next hop (OVN installs no flow)`;
  return { ...base, priority, discard: false, outport, nexthop: nh, outMac: macValue(outport.mac) };
}

function tableConnectedRoutes(cr: CompiledRouter): TableRoute[] {
  return connectedRoutes(cr.ports).map((r) => ({ ...r, table: '' }));
}

function build(cr: CompiledRouter): RouterRoutes {
  const ignored: string[] = [];
  const routes = tableConnectedRoutes(cr);
  for (const sr of cr.router.staticRoutes) {
    const r = staticRoute(cr, sr);
    if (typeof r === 'string') ignored.push(r);
    else routes.push(r);
  }
  const groups = new Map<string, Group>();
  for (const r of routes) {
    const k = `${r.priority}/${r.prefix.family}`;
    let g = groups.get(k);
    if (!g) {
      const mask = maskOf(r.prefix);
      g = { priority: r.priority, family: r.prefix.family, bySource: r.bySource, mask, byPrefix: new Map() };
      groups.set(k, g);
    }
    const key = r.prefix.network & g.mask;
    const l = g.byPrefix.get(key);
    if (l) l.push(r);
    else g.byPrefix.set(key, [r]);
  }
  const usesTables =
    cr.ports.some((p) => tableOf(p) !== '') || cr.router.staticRoutes.some((s) => s.routeTable !== '');
  return { groups: [...groups.values()].sort((a, b) => b.priority - a.priority), ignored, usesTables };
}

export function routerRoutes(cr: CompiledRouter): RouterRoutes {
  let r = cache.get(cr);
  if (!r) cache.set(cr, (r = build(cr)));
  return r;
}

/** Whether OVN's flow for `r` matches a packet whose inport selected route table `table`. */
function applies(r: TableRoute, table: string): boolean {
  if (r.kind === 'connected') return true;
  // northd writes `reg7 == id` into every static dst-ip route (id 0 for the global table) but into
  // src-ip routes only when they belong to a named table.
  return r.table === table || (r.table === '' && r.bySource);
}

/** The winning routes for a packet: the highest-priority match, with its ECMP siblings. */
export function lookupTableRoutes(rr: RouterRoutes, table: string, src: IpAddr, dst: IpAddr): TableRoute[] {
  for (const g of rr.groups) {
    const ip = g.bySource ? src : dst;
    if (ip.family !== g.family) continue;
    const hits = g.byPrefix.get(ip.value & g.mask);
    if (!hits) continue;
    const live = rr.usesTables ? hits.filter((r) => applies(r, table)) : hits;
    if (live.length === 0) continue;
    // Two connected networks with one prefix: OVN installs one flow; the first port wins here.
    return live[0]!.kind === 'connected' ? [live[0]!] : live;
  }
  return [];
}
