// A Topology derived from the Southbound alone, for when no NB is given (a saved SB file from a
// must-gather, or only --ovn.sb-db): switches and routers from Datapath_Binding names, their ports from
// Port_Binding (logical_port, mac, type, options, port_security). It is enough to resolve trace requests
// (port names, MACs, IPs, which switch a port is on, the gateway router port) for the lflow engine,
// which takes every verdict from the SB's logical flows. It has no ACLs, routes or NAT: the model engine
// cannot trace on it, so a daemon on it does not cross-check the model.

import type { PortBinding, SbDatabase } from '../../ovn/sb/types.ts';
import { buildTopology, TopologyBuildError } from '../../ovn/topology/build.ts';
import type {
  SnapshotDoc,
  SnapshotRouter,
  SnapshotSwitch,
  SnapshotSwitchPort,
} from '../../ovn/topology/snapshot-schema.ts';
import type { Topology } from '../../ovn/topology/types.ts';

/** SB port types on a switch and the NB logical switch port type they come from. */
const SWITCH_PORT_TYPE: Readonly<Record<string, string>> = {
  patch: 'router',
  l3gateway: 'router',
};

type RouterPortDoc = NonNullable<SnapshotRouter['ports']>[number];

interface Datapaths {
  readonly switches: Map<string, SnapshotSwitch & { ports: SnapshotSwitchPort[] }>;
  readonly routers: Map<string, SnapshotRouter & { ports: RouterPortDoc[] }>;
  readonly skipped: string[];
}

/** Datapath UUID -> its switch or router document (by external_ids name; unnamed ones are skipped). */
function datapaths(db: SbDatabase): Datapaths {
  const out: Datapaths = { switches: new Map(), routers: new Map(), skipped: [] };
  const names = new Set<string>();
  for (const dp of db.Datapath_Binding.values()) {
    const name = dp.externalIds.get('name');
    if (!name || names.has(name)) {
      out.skipped.push(`Datapath_Binding ${dp.uuid}: ${name ? `duplicate name ${name}` : 'no name'}`);
      continue;
    }
    names.add(name);
    if (dp.externalIds.has('logical-router')) out.routers.set(dp.uuid, { name, ports: [] });
    else out.switches.set(dp.uuid, { name, ports: [] });
  }
  return out;
}

function options(pb: PortBinding): Record<string, string> {
  return Object.fromEntries(pb.options);
}

function switchPort(pb: PortBinding): SnapshotSwitchPort {
  const nbType = SWITCH_PORT_TYPE[pb.type];
  const opts = options(pb);
  if (nbType && opts.peer) opts['router-port'] = opts.peer;
  return {
    name: pb.logicalPort,
    type: nbType ?? pb.type,
    addresses: [...pb.mac],
    port_security: [...pb.portSecurity],
    options: opts,
  };
}

/** A router port: `mac` holds "MAC NETWORK…" as northd copies it from the NB port. */
function routerPort(pb: PortBinding, routerPortNames: ReadonlySet<string>): RouterPortDoc | null {
  const [mac, ...networks] = (pb.mac[0] ?? '').split(/\s+/).filter(Boolean);
  if (!mac || networks.length === 0) return null;
  const peer = pb.options.get('peer');
  return {
    name: pb.logicalPort,
    mac,
    networks,
    ...(peer && routerPortNames.has(peer) ? { peer } : {}),
    options: options(pb),
  };
}

/** The SB as a snapshot document, and the rows it could not take (each with why). */
export function snapshotFromSb(db: SbDatabase): { doc: SnapshotDoc; skipped: string[] } {
  const dps = datapaths(db);
  const routerPortNames = new Set<string>();
  for (const pb of db.Port_Binding.values())
    if (dps.routers.has(pb.datapath)) routerPortNames.add(pb.logicalPort);
  const seen = new Set<string>();
  for (const pb of [...db.Port_Binding.values()].sort((a, b) => a.tunnelKey - b.tunnelKey)) {
    if (seen.has(pb.logicalPort)) continue;
    seen.add(pb.logicalPort);
    const sw = dps.switches.get(pb.datapath);
    if (sw) {
      sw.ports.push(switchPort(pb));
      continue;
    }
    const lr = dps.routers.get(pb.datapath);
    if (!lr || pb.type === 'chassisredirect') continue;
    const p = routerPort(pb, routerPortNames);
    if (p) lr.ports.push(p);
    else dps.skipped.push(`Port_Binding ${pb.logicalPort}: router port without networks`);
  }
  const doc: SnapshotDoc = {
    switches: [...dps.switches.values()],
    routers: [...dps.routers.values()],
  };
  return { doc, skipped: dps.skipped };
}

/** The Topology of an SB; `name` says where the SB came from (file path or remote). */
export function topologyFromSb(db: SbDatabase, source: Topology['source']): Topology {
  const { doc } = snapshotFromSb(db);
  try {
    return buildTopology(doc, source);
  } catch (err) {
    if (!(err instanceof TopologyBuildError)) throw err;
    // Entries the builder refuses (e.g. an address it cannot parse) are dropped, port by port, rather
    // than losing the whole SB: the lflow engine still traces every port that resolves.
    const bad = new Set(err.issues.map((i) => `${i.path[0]}|${i.path[1]}|${i.path[2]}|${i.path[3]}`));
    for (const [k, list] of [
      ['switches', doc.switches],
      ['routers', doc.routers],
    ] as const)
      list?.forEach((dp, di) => {
        const ports = (dp.ports ?? []) as { name: string }[];
        (dp as { ports: unknown[] }).ports = ports.filter((_, pi) => !bad.has(`${k}|${di}|ports|${pi}`));
      });
    return buildTopology(doc, source);
  }
}
