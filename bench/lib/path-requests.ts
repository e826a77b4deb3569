// Turns generated critical paths into trace requests (a destination port becomes its first address),
// for the benchmarks that trace the same packets with several engines.

import type { TraceRequest } from '../../src/engine/types.ts';
import { formatIp } from '../../src/ovn/net/addr.ts';
import { portIps } from '../../src/ovn/topology/build.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import type { GeneratedPath } from './topology-generator.ts';

export function pathRequest(t: Topology, p: GeneratedPath): TraceRequest | null {
  const port = p.destination ? t.ports.get(p.destination) : undefined;
  const dst = p.destination_ip ?? (port ? portIps(port).map(formatIp)[0] : undefined);
  if (!dst) return null;
  return {
    source_port: p.source_port,
    destination_ip: dst,
    protocol: p.protocol,
    ...(p.port === undefined ? {} : { destination_port_num: p.port }),
  };
}
