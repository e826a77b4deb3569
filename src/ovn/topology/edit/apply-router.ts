// What the router-side ovn-nbctl commands do to a draft topology: static routes, NAT, router
// policies, and load balancers with their attachment to switches and routers, with ovn-nbctl's
// checks (unknown rows, duplicates without --may-exist, bad addresses, missing rows without --if-exists).

import { formatCidr, normalizeMac, parseCidr, parseIp } from '../../net/addr.ts';
import { parseEndpoint } from '../build.ts';
import type { LbBackend, LbVip, LogicalRouter, Nat, RouterPolicy, StaticRoute } from '../types.ts';
import type { Draft } from './draft.ts';
import type { ChangeOp } from './ops.ts';

type Op<N extends ChangeOp['op']> = Extract<ChangeOp, { op: N }>;

function router(d: Draft, name: string): LogicalRouter {
  return d.need('routers', name, 'router', 'router');
}

function setRouter(d: Draft, r: LogicalRouter, part: Partial<LogicalRouter>): void {
  d.set('routers', r.name, { ...r, ...part });
}

/** A prefix as ovn-nbctl stores it: host bits cleared (`10.0.0.5/24` -> `10.0.0.0/24`). */
function prefixText(d: Draft, text: string, field: string): string {
  const c = parseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
  if (!c) d.fail(field, `"${text}" is not an IP prefix`);
  return formatCidr(c);
}

function nexthopOk(d: Draft, text: string): void {
  if (text !== 'discard' && !parseIp(text)) d.fail('nexthop', `"${text}" is not an IP address or "discard"`);
}

export function routeAdd(d: Draft, op: Op<'lr-route-add'>): void {
  const r = router(d, op.router);
  const prefix = prefixText(d, op.prefix, 'prefix');
  nexthopOk(d, op.nexthop);
  if (op.port !== undefined && !r.ports.includes(op.port))
    d.fail('port', `router port "${op.port}" is not on router "${op.router}"`);
  const policy = op.policy ?? 'dst-ip';
  const table = op.route_table ?? '';
  const same = (s: StaticRoute) =>
    formatCidr(s.ipPrefix) === prefix && s.policy === policy && s.routeTable === table;
  const dups = r.staticRoutes.filter(same);
  let routes = r.staticRoutes;
  if (dups.length > 0) {
    const exact = dups.some((s) => s.nexthop === op.nexthop);
    if (op.ecmp && !exact) routes = [...routes];
    else if (op.may_exist)
      routes = routes.filter((s) => !(same(s) && (!op.ecmp || s.nexthop === op.nexthop)));
    else d.fail('prefix', `a route for ${prefix} already exists on "${op.router}" (--may-exist or --ecmp)`);
  }
  const route: StaticRoute = {
    uuid: d.uuid('route', `${op.router}/${prefix}/${op.nexthop}`),
    ipPrefix: parseCidr(prefix)!,
    nexthop: op.nexthop,
    policy,
    outputPort: op.port ?? null,
    routeTable: table,
    options: {},
    externalIds: {},
  };
  setRouter(d, r, { staticRoutes: [...routes, route] });
}

export function routeDel(d: Draft, op: Op<'lr-route-del'>): void {
  const r = router(d, op.router);
  const prefix = op.prefix === undefined ? undefined : prefixText(d, op.prefix, 'prefix');
  const gone = (s: StaticRoute) =>
    (op.route_table === undefined || s.routeTable === op.route_table) &&
    (op.policy === undefined || s.policy === op.policy) &&
    (prefix === undefined || formatCidr(s.ipPrefix) === prefix) &&
    (op.nexthop === undefined || s.nexthop === op.nexthop) &&
    (op.port === undefined || s.outputPort === op.port);
  const kept = r.staticRoutes.filter((s) => !gone(s));
  if (prefix !== undefined && kept.length === r.staticRoutes.length && !op.if_exists)
    d.fail('prefix', `no route for ${prefix} on "${op.router}"`);
  setRouter(d, r, { staticRoutes: kept });
}

function natOf(d: Draft, op: Op<'lr-nat-add'>): Nat {
  const ext = parseIp(op.external_ip);
  if (!ext) d.fail('external_ip', `"${op.external_ip}" is not an IP address`);
  const logical = parseCidr(
    op.type === 'snat' || op.logical_ip.includes('/')
      ? op.logical_ip
      : `${op.logical_ip}/${op.logical_ip.includes(':') ? 128 : 32}`,
  );
  if (!logical)
    d.fail('logical_ip', `"${op.logical_ip}" is not an IP ${op.type === 'snat' ? 'network' : 'address'}`);
  if ((op.logical_port === undefined) !== (op.external_mac === undefined))
    d.fail('logical_port', 'logical_port and external_mac go together');
  if (op.logical_port !== undefined && op.type !== 'dnat_and_snat')
    d.fail('logical_port', 'logical_port and external_mac are for dnat_and_snat only');
  const mac = op.external_mac === undefined ? null : normalizeMac(op.external_mac);
  if (op.external_mac !== undefined && !mac) d.fail('external_mac', `"${op.external_mac}" is not a MAC`);
  if (op.logical_port !== undefined && !d.get('ports', op.logical_port))
    d.fail('logical_port', `logical switch port "${op.logical_port}" not found`);
  return {
    uuid: d.uuid('nat', `${op.router}/${op.type}/${op.external_ip}/${op.logical_ip}`),
    type: op.type,
    externalIp: ext,
    externalMac: mac,
    logicalIp: logical,
    logicalPort: op.logical_port ?? null,
    externalPortRange: op.external_port_range ?? null,
    gatewayPort: op.gateway_port ?? null,
    options: {},
    externalIds: {},
  };
}

/** The address a NAT is known by in ovn-nbctl's duplicate checks and lr-nat-del: logical for snat. */
function natKey(n: Nat): string {
  return n.type === 'snat' ? formatCidr(n.logicalIp) : `${n.externalIp.family}/${n.externalIp.value}`;
}

export function natAdd(d: Draft, op: Op<'lr-nat-add'>): void {
  const r = router(d, op.router);
  const nat = natOf(d, op);
  const dup = r.nat.find((n) => n.type === nat.type && natKey(n) === natKey(nat));
  if (dup && !op.may_exist)
    d.fail('type', `a ${op.type} NAT for that address already exists on "${op.router}"`);
  setRouter(d, r, { nat: [...r.nat.filter((n) => n !== dup), nat] });
}

export function natDel(d: Draft, op: Op<'lr-nat-del'>): void {
  const r = router(d, op.router);
  if (op.ip !== undefined && op.type === undefined) d.fail('ip', 'an IP needs a type');
  const ip =
    op.ip === undefined
      ? undefined
      : parseCidr(op.ip.includes('/') ? op.ip : `${op.ip}/${op.ip.includes(':') ? 128 : 32}`);
  if (op.ip !== undefined && !ip) d.fail('ip', `"${op.ip}" is not an IP address`);
  const gone = (n: Nat) => {
    if (op.type !== undefined && n.type !== op.type) return false;
    if (!ip) return true;
    if (n.type === 'snat') return formatCidr(n.logicalIp) === formatCidr(ip);
    return n.externalIp.family === ip.family && n.externalIp.value === ip.addr;
  };
  const kept = r.nat.filter((n) => !gone(n));
  // Nothing to delete is not an error for ovn-nbctl (23.03, checked on a real NB).
  setRouter(d, r, { nat: kept });
}

function vipOf(d: Draft, op: Op<'lb-add'>): LbVip {
  const vip = parseEndpoint(op.vip);
  if (typeof vip === 'string') d.fail('vip', vip);
  const backends: LbBackend[] = op.backends.map((raw, i) => {
    const e = parseEndpoint(raw);
    if (typeof e === 'string') d.fail(`backends[${i}]`, e);
    if ((vip.port === null) !== (e.port === null))
      d.fail(`backends[${i}]`, `"${raw}": a VIP with a port needs backends with ports, and one without none`);
    return { ...e, raw };
  });
  return { ip: vip.ip, port: vip.port, backends, key: op.vip, value: op.backends.join(',') };
}

export function lbAdd(d: Draft, op: Op<'lb-add'>): void {
  const vip = vipOf(d, op);
  const lb = d.get('loadBalancers', op.lb);
  const protocol = op.protocol ?? 'tcp';
  if (!lb) {
    d.set('loadBalancers', op.lb, {
      uuid: d.uuid('lb', op.lb),
      name: op.lb,
      protocol,
      vips: [vip],
      options: {},
      selectionFields: [],
      externalIds: {},
    });
    return;
  }
  if (op.protocol !== undefined && lb.protocol !== protocol)
    d.fail('protocol', `load balancer "${op.lb}" has protocol ${lb.protocol}`);
  const same = lb.vips.find((v) => v.key === op.vip);
  if (same && !op.may_exist)
    d.fail('vip', `VIP ${op.vip} already exists in "${op.lb}" (--may-exist replaces it)`);
  d.set('loadBalancers', op.lb, { ...lb, vips: [...lb.vips.filter((v) => v !== same), vip] });
}

export function lbDel(d: Draft, op: Op<'lb-del'>): void {
  const lb = d.get('loadBalancers', op.lb);
  if (!lb) return; // ovn-nbctl deletes nothing and says nothing (23.03, checked on a real NB)
  if (op.vip !== undefined) {
    const vips = lb.vips.filter((v) => v.key !== op.vip);
    if (vips.length === lb.vips.length && !op.if_exists) d.fail('vip', `no VIP ${op.vip} in "${op.lb}"`);
    d.set('loadBalancers', op.lb, { ...lb, vips });
    return;
  }
  // Deleting the row drops the references switches and routers hold to it.
  for (const sw of d.read('switches').values())
    if (sw.loadBalancers.includes(op.lb))
      d.set('switches', sw.name, { ...sw, loadBalancers: sw.loadBalancers.filter((l) => l !== op.lb) });
  for (const r of d.read('routers').values())
    if (r.loadBalancers.includes(op.lb))
      setRouter(d, r, { loadBalancers: r.loadBalancers.filter((l) => l !== op.lb) });
  d.delete('loadBalancers', op.lb);
}

/** ls-lb-add/del and lr-lb-add/del: a switch's or a router's `load_balancer` set. */
export function lbAttach(d: Draft, op: Op<'ls-lb-add' | 'ls-lb-del' | 'lr-lb-add' | 'lr-lb-del'>): void {
  const onSwitch = op.op.startsWith('ls-');
  const key = onSwitch ? 'switch' : 'router';
  const name = onSwitch ? (op as { switch: string }).switch : (op as { router: string }).router;
  const row = onSwitch ? d.need('switches', name, key, 'switch') : router(d, name);
  const lbs = row.loadBalancers;
  let next: readonly string[];
  if (op.op.endsWith('-add')) {
    const lb = op.lb!;
    d.need('loadBalancers', lb, 'lb', 'load balancer');
    if (lbs.includes(lb) && !(op as { may_exist?: boolean }).may_exist)
      d.fail('lb', `load balancer "${lb}" is already on ${key} "${name}"`);
    next = lbs.includes(lb) ? lbs : [...lbs, lb];
  } else if (op.lb === undefined) next = [];
  else {
    if (!lbs.includes(op.lb) && !(op as { if_exists?: boolean }).if_exists)
      d.fail('lb', `load balancer "${op.lb}" is not on ${key} "${name}"`);
    next = lbs.filter((l) => l !== op.lb);
  }
  if (onSwitch) d.set('switches', name, { ...d.get('switches', name)!, loadBalancers: next });
  else setRouter(d, router(d, name), { loadBalancers: next });
}

export function policyAdd(d: Draft, op: Op<'lr-policy-add'>): void {
  const r = router(d, op.router);
  const nexthops = op.nexthops ?? [];
  if (op.action === 'reroute' && nexthops.length === 0)
    d.fail('nexthops', 'a reroute policy needs a next hop');
  if (op.action !== 'reroute' && nexthops.length > 0)
    d.fail('nexthops', `an ${op.action} policy takes no next hop`);
  nexthops.forEach((n, i) => {
    if (!parseIp(n)) d.fail(`nexthops[${i}]`, `"${n}" is not an IP address`);
  });
  // ovn-nbctl adds a second policy with the same priority and match (23.03, checked on a real NB).
  const policy: RouterPolicy = {
    uuid: d.uuid('policy', `${op.router}/${op.priority}/${op.match}`),
    priority: op.priority,
    match: op.match,
    action: op.action,
    nexthops,
    // lr-policy-add puts a policy in the default chain ('' ); chains and jump are not nbctl-editable here.
    chain: '',
    jumpChain: null,
    options: op.options ?? {},
    externalIds: {},
  };
  setRouter(d, r, { policies: [...r.policies, policy] });
}

export function policyDel(d: Draft, op: Op<'lr-policy-del'>): void {
  const r = router(d, op.router);
  const uuid = op.uuid?.toLowerCase();
  const gone = (p: RouterPolicy) =>
    (uuid === undefined || p.uuid.startsWith(uuid)) &&
    (op.priority === undefined || p.priority === op.priority) &&
    (op.match === undefined || p.match === op.match);
  const kept = r.policies.filter((p) => !gone(p));
  // Nothing to delete is not an error for ovn-nbctl (23.03, checked on a real NB).
  setRouter(d, r, { policies: kept });
}
