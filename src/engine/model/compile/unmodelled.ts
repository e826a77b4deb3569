// NB options that can change a verdict but that the model does not simulate (issue 16: nothing silent).
// Each is named in the warnings of every trace through a datapath that carries it (compiled once per
// switch / router), counted per topology for ovncp_topology_unmodelled_options{option}, and logged
// when that count changes (src/runtime). An option the model does simulate is not listed here.

import { formatIp } from '../../../ovn/net/addr.ts';
import type {
  LoadBalancer,
  LogicalRouter,
  LogicalSwitch,
  StringMap,
  Topology,
} from '../../../ovn/topology/types.ts';

interface UnmodelledOption {
  /** The metric label: `Table:key`. */
  readonly option: string;
  readonly key: string;
  /** Set only for some values (e.g. `true`); default: any non-empty value. */
  readonly when?: (value: string) => boolean;
  /** What OVN does with it that the model does not. */
  readonly effect: string;
}

const isTrue = (v: string) => v === 'true';
const opt = (table: string, key: string, effect: string, when?: (v: string) => boolean) => ({
  option: `${table}:${key}`,
  key,
  effect,
  ...(when ? { when } : {}),
});

const LB_OPTIONS: readonly UnmodelledOption[] = [
  opt('Load_Balancer', 'hairpin_snat_ip', 'hairpinned traffic is SNATed to this address, not the VIP'),
  opt('Load_Balancer', 'skip_snat', "the gateway router's lb_force_snat_ip is not applied", isTrue),
  opt('Load_Balancer', 'neighbor_responder', 'which VIPs the router answers ARP/ND for'),
  opt('Load_Balancer', 'use_stateless_nat', 'stateless NAT of the VIP (25.03+)', isTrue),
];

const ROUTER_OPTIONS: readonly UnmodelledOption[] = [
  opt('Logical_Router', 'lb_force_snat_ip', 'load-balanced traffic is SNATed to the router address'),
  opt(
    'Logical_Router',
    'dynamic_neigh_routers',
    'next hops are resolved from learned MAC_Bindings (else an ARP is sent and the packet waits); the model takes the peer port MAC',
    isTrue,
  ),
];

const NAT_OPTIONS: readonly UnmodelledOption[] = [
  opt('NAT', 'stateless', 'stateless NAT (no conntrack)', isTrue),
];

const SWITCH_PORT_OPTIONS: readonly UnmodelledOption[] = [
  opt('Logical_Switch_Port', 'nat-addresses', "the switch answers ARP for the router's NAT addresses"),
];

/** Every option listed, for the metric's label set. */
export const UNMODELLED_OPTIONS: readonly string[] = [
  ...LB_OPTIONS,
  ...ROUTER_OPTIONS,
  ...NAT_OPTIONS,
  ...SWITCH_PORT_OPTIONS,
].map((o) => o.option);

/** The listed options set in `options`, each with its value. */
function setIn(list: readonly UnmodelledOption[], options: StringMap): [UnmodelledOption, string][] {
  const out: [UnmodelledOption, string][] = [];
  for (const o of list) {
    const v = options[o.key];
    if (v !== undefined && v !== '' && (!o.when || o.when(v))) out.push([o, v]);
  }
  return out;
}

const note = (o: UnmodelledOption, v: string, where: string) =>
  `${o.option}=${v} on ${where} is not modelled (${o.effect}): the verdict may differ from OVN's`;

function lbNotes(t: Topology, names: readonly string[], out: string[]): void {
  for (const n of names) {
    const lb: LoadBalancer | undefined = t.loadBalancers.get(n);
    if (lb) for (const [o, v] of setIn(LB_OPTIONS, lb.options)) out.push(note(o, v, `load balancer ${n}`));
  }
}

/** Warnings for every trace through switch `sw`: its load balancers' and ports' unmodelled options. */
export function switchUnmodelled(t: Topology, sw: LogicalSwitch): string[] {
  const out: string[] = [];
  lbNotes(t, sw.loadBalancers, out);
  for (const pn of sw.ports) {
    const p = t.ports.get(pn);
    if (p?.type === 'router')
      for (const [o, v] of setIn(SWITCH_PORT_OPTIONS, p.options)) out.push(note(o, v, `port ${pn}`));
  }
  return out;
}

/** Warnings for every trace through router `r`: its own, its NAT rules' and its load balancers' options. */
export function routerUnmodelled(t: Topology, r: LogicalRouter): string[] {
  const out: string[] = [];
  for (const [o, v] of setIn(ROUTER_OPTIONS, r.options)) out.push(note(o, v, `router ${r.name}`));
  for (const n of r.nat)
    for (const [o, v] of setIn(NAT_OPTIONS, n.options))
      out.push(note(o, v, `NAT ${n.type} ${formatIp(n.externalIp)} of router ${r.name}`));
  lbNotes(t, r.loadBalancers, out);
  return out;
}

/** How many rows of the topology set each unmodelled option (only options set at least once). */
export function unmodelledCounts(t: Topology): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (list: readonly UnmodelledOption[], options: StringMap) => {
    for (const [o] of setIn(list, options)) counts.set(o.option, (counts.get(o.option) ?? 0) + 1);
  };
  for (const lb of t.loadBalancers.values()) add(LB_OPTIONS, lb.options);
  for (const r of t.routers.values()) {
    add(ROUTER_OPTIONS, r.options);
    for (const n of r.nat) add(NAT_OPTIONS, n.options);
  }
  for (const sw of t.switches.values())
    for (const pn of sw.ports) {
      const p = t.ports.get(pn);
      if (p?.type === 'router') add(SWITCH_PORT_OPTIONS, p.options);
    }
  return counts;
}
