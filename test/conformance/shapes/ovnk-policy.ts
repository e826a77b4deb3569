// Network policy as ovn-kubernetes writes it into OVN, for the ovn-kubernetes shape generator:
// - NetworkPolicy: a port group of the selected pods with allow-related ACLs (ingress: to-lport
//   `ip4.src == {$ns} && outport == @pg …`; egress: from-lport `… inport == @pg` with apply-after-lb,
//   so they see the Service backend), and per namespace the default-deny port groups
//   (`…_ingressDefaultDeny` / `…_egressDefaultDeny`: drop at 1000, ARP/ND allowed at 1001);
// - with ACL tiers (NB 7.0.4+): AdminNetworkPolicy in tier 1 (allow / drop / pass, priorities from 30000
//   down), NetworkPolicy in tier 2, BaselineAdminNetworkPolicy in tier 3 (from 1750 down). `pass` in
//   tier 1 hands the packet to the NetworkPolicies, then to the baseline.

import type { SnapshotDoc } from '../../../src/ovn/topology/snapshot-schema.ts';
import type { Rng } from '../generator.ts';
import { type Acl, k8sAclIds, k8sHash, k8sIds } from './ovnk-names.ts';

type Pg = NonNullable<SnapshotDoc['port_groups']>[number];
type Pod = { name: string; ns: string; ip: string };

export interface PolicyCtx {
  readonly rng: Rng;
  readonly doc: SnapshotDoc;
  readonly pods: readonly Pod[];
  readonly namespaces: readonly string[];
  /** The NB has ACL.tier: ANP/BANP are generated and every ACL has its tier. */
  readonly tiers: boolean;
  /** L4 ports the rules name (filled here, for the packets to aim at). */
  readonly ports: number[];
}

const PORTS = [80, 443, 5432, 8080];
const AFTER_LB = { 'apply-after-lb': 'true' };

const nsSet = (ns: string) => `$${k8sHash(`Namespace:${ns}:v4`)}`;

function l4(ctx: PolicyCtx): string {
  if (ctx.rng.chance(0.3)) return '';
  const p = ctx.rng.pick(PORTS);
  ctx.ports.push(p);
  return ctx.rng.chance(0.8) ? ` && tcp && tcp.dst==${p}` : ` && udp && udp.dst==${p}`;
}

function withTier(ctx: PolicyCtx, a: Acl, tier: number): Acl {
  return ctx.tiers ? { ...a, tier } : a;
}

function pushGroup(ctx: PolicyCtx, pg: Pg): void {
  ctx.doc.port_groups ??= [];
  ctx.doc.port_groups.push(pg);
}

/** A namespace's default-deny port groups: every pod some policy of that type selects. */
function defaultDeny(ctx: PolicyCtx, ns: string, dir: 'Ingress' | 'Egress', ports: string[]): void {
  const pg = `${k8sHash(`NetpolNamespace:${ns}`)}_${dir.toLowerCase()}DefaultDeny`;
  const port = dir === 'Ingress' ? 'outport' : 'inport';
  const base = {
    direction: dir === 'Ingress' ? ('to-lport' as const) : ('from-lport' as const),
    ...(dir === 'Egress' ? { options: AFTER_LB } : {}),
  };
  const ids = (type: string) =>
    k8sAclIds('NetpolNamespace', ns, { 'k8s.ovn.org/policy-direction': dir, 'k8s.ovn.org/type': type });
  pushGroup(ctx, {
    name: pg,
    ports,
    external_ids: k8sIds('NetpolNamespace', ns, { 'k8s.ovn.org/policy-direction': dir }),
    acls: [
      withTier(
        ctx,
        {
          ...base,
          priority: 1000,
          match: `${port} == @${pg}`,
          action: 'drop',
          external_ids: ids('defaultDeny'),
        },
        2,
      ),
      withTier(
        ctx,
        {
          ...base,
          priority: 1001,
          match: `${port} == @${pg} && (arp || nd)`,
          action: 'allow',
          external_ids: ids('arpAllow'),
        },
        2,
      ),
    ],
  });
}

/** One NetworkPolicy in namespace `ns` selecting some of its pods; returns the directions it covers. */
function networkPolicy(ctx: PolicyCtx, ns: string, name: string, selected: Pod[]): ('Ingress' | 'Egress')[] {
  const { rng } = ctx;
  const key = `${ns}:${name}`;
  const pg = k8sHash(`NetworkPolicy:${key}`);
  const dirs: ('Ingress' | 'Egress')[] = rng.chance(0.7)
    ? ['Ingress']
    : rng.chance(0.5)
      ? ['Egress']
      : ['Ingress', 'Egress'];
  const acls: Acl[] = [];
  for (const dir of dirs) {
    for (let g = 0; g < rng.int(1, 2); g++) {
      const peer = rng.pick(ctx.namespaces);
      const ingress = dir === 'Ingress';
      const from = rng.chance(0.2)
        ? ''
        : ingress
          ? `ip4.src == {${nsSet(peer)}} && `
          : `ip4.dst == {${nsSet(peer)}} && `;
      acls.push(
        withTier(
          ctx,
          {
            direction: ingress ? 'to-lport' : 'from-lport',
            priority: 1001,
            match: `${from}${ingress ? 'outport' : 'inport'} == @${pg}${l4(ctx)}`,
            action: 'allow-related',
            ...(ingress ? {} : { options: AFTER_LB }),
            external_ids: k8sAclIds('NetworkPolicy', key, {
              'k8s.ovn.org/policy-direction': dir,
              'k8s.ovn.org/gress-index': String(g),
            }),
          },
          2,
        ),
      );
    }
  }
  pushGroup(ctx, {
    name: pg,
    ports: selected.map((p) => p.name),
    acls,
    external_ids: k8sIds('NetworkPolicy', key),
  });
  return dirs;
}

/** AdminNetworkPolicy (tier 1) or BaselineAdminNetworkPolicy (tier 3) with a few rules. */
function adminPolicy(ctx: PolicyCtx, baseline: boolean, index: number): void {
  const { rng } = ctx;
  const type = baseline ? 'BaselineAdminNetworkPolicy' : 'AdminNetworkPolicy';
  const name = baseline ? 'default' : `anp${index}`;
  const subjectNs = rng.pick(ctx.namespaces);
  const pg = k8sHash(`${type}:${name}`);
  const top = baseline ? 1750 : 30000 - rng.int(0, 20) * 100;
  const actions = baseline ? (['allow', 'drop'] as const) : (['allow', 'drop', 'pass'] as const);
  const acls: Acl[] = [];
  for (let r = 0; r < rng.int(1, 3); r++) {
    const ingress = rng.chance(0.7);
    const peer = rng.pick(ctx.namespaces);
    const as = k8sHash(`${type}:${name}:${ingress ? 'Ingress' : 'Egress'}:${r}`);
    ctx.doc.address_sets!.push({
      name: as,
      addresses: ctx.pods.filter((p) => p.ns === peer).map((p) => p.ip),
      external_ids: k8sIds(type, name, {
        'k8s.ovn.org/gress-index': String(r),
        'k8s.ovn.org/ip-family': 'v4',
      }),
    });
    const action = rng.pick(actions);
    acls.push(
      withTier(
        ctx,
        {
          name: `${name}:${r}`,
          direction: ingress ? 'to-lport' : 'from-lport',
          priority: top - r,
          match: ingress
            ? `outport == @${pg} && ip4.src == $${as}${l4(ctx)}`
            : `inport == @${pg} && ip4.dst == $${as}${l4(ctx)}`,
          action: action === 'allow' ? 'allow-related' : action,
          ...(ingress ? {} : { options: AFTER_LB }),
          external_ids: k8sAclIds(type, name, {
            'k8s.ovn.org/policy-direction': ingress ? 'Ingress' : 'Egress',
            'k8s.ovn.org/gress-index': String(r),
          }),
        },
        baseline ? 3 : 1,
      ),
    );
  }
  pushGroup(ctx, {
    name: pg,
    ports: ctx.pods.filter((p) => p.ns === subjectNs).map((p) => p.name),
    acls,
    external_ids: k8sIds(type, name),
  });
}

/** Every policy of a network; returns the network's tags (netpol, default-deny, anp, anp-pass, banp, …). */
export function addPolicies(ctx: PolicyCtx): string[] {
  const { rng } = ctx;
  const tags: string[] = [];
  for (const ns of ctx.namespaces) {
    if (!rng.chance(0.55)) continue;
    const pods = ctx.pods.filter((p) => p.ns === ns);
    if (pods.length === 0) continue;
    const deny = { Ingress: new Set<string>(), Egress: new Set<string>() };
    for (let k = 0; k < rng.int(1, 2); k++) {
      const selected = rng.chance(0.5) ? pods : rng.subset(pods, 0.6);
      for (const dir of networkPolicy(ctx, ns, `np${k}`, selected))
        for (const p of selected) deny[dir].add(p.name);
    }
    for (const dir of ['Ingress', 'Egress'] as const)
      if (deny[dir].size > 0) defaultDeny(ctx, ns, dir, [...deny[dir]]);
    tags.push('netpol');
    if (deny.Egress.size > 0) tags.push('egress-policy');
  }
  if (ctx.tiers) {
    for (let i = 0; i < rng.int(0, 2); i++) adminPolicy(ctx, false, i);
    if (rng.chance(0.5)) adminPolicy(ctx, true, 0);
    const acls = (ctx.doc.port_groups ?? []).flatMap((g) => g.acls ?? []);
    if (acls.some((a) => a.tier === 1)) tags.push('anp');
    if (acls.some((a) => a.action === 'pass')) tags.push('anp-pass');
    if (acls.some((a) => a.tier === 3)) tags.push('banp');
  }
  return tags;
}
