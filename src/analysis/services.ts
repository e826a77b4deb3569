// The services (protocol + destination port) a fan-out traces when a request names them, else a default
// list (multi-path). Without named services, connectivity asks for the exact allowed services instead
// (allowed-services.ts): every port range, not the ports that allow ACLs happen to mention.

import { PROTOCOLS, type Protocol } from '../engine/types.ts';

export interface Service {
  readonly protocol: Protocol;
  /** Destination port; absent for ICMP. */
  readonly port?: number;
}

export const DEFAULT_PROTOCOLS: readonly Protocol[] = PROTOCOLS;
export const DEFAULT_PORTS: readonly number[] = [22, 80, 443, 3306, 5432, 6379, 8080];

/** `tcp:80`, `udp:53`, `icmp`: the key used in summaries and the connectivity protocols map. */
export function serviceKey(s: Service): string {
  return s.port === undefined ? s.protocol : `${s.protocol}:${s.port}`;
}

/** Every protocol × port, ICMP once, in the order given (duplicates removed). */
export function expandServices(
  protocols: readonly Protocol[] = DEFAULT_PROTOCOLS,
  ports: readonly number[] = DEFAULT_PORTS,
): Service[] {
  const out: Service[] = [];
  const seen = new Set<string>();
  for (const protocol of protocols) {
    const list: Service[] = protocol === 'icmp' ? [{ protocol }] : ports.map((port) => ({ protocol, port }));
    for (const s of list) {
      if (seen.has(serviceKey(s))) continue;
      seen.add(serviceKey(s));
      out.push(s);
    }
  }
  return out;
}
