// Identifiers as Neutron makes them, drawn from the case's random stream so that a seed reproduces a
// network: UUIDs (switch `neutron-<uuid>`, ports named by their UUID, `pg_<uuid with _>`), MACs with
// OpenStack's fa:16:3e prefix (unique per network) and the project id every row carries.

import type { Rng } from '../generator.ts';

export interface NeutronIds {
  uuid(): string;
  mac(): string;
  readonly project: string;
}

const hexOf = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');

export function neutronIds(rng: Rng): NeutronIds {
  let macs = 0;
  const uuid = () =>
    `${hexOf(rng, 8)}-${hexOf(rng, 4)}-4${hexOf(rng, 3)}-a${hexOf(rng, 3)}-${hexOf(rng, 12)}`;
  return {
    uuid,
    mac() {
      macs++;
      return `fa:16:3e:00:${(macs >> 8).toString(16).padStart(2, '0')}:${(macs & 255).toString(16).padStart(2, '0')}`;
    },
    project: hexOf(rng, 32),
  };
}

/** Ports a security-group rule opens; the packets draw their destination ports from the same list. */
export const SG_PORTS = [22, 53, 80, 443, 8080] as const;
/** The provider (external) network's /24: the gateway ports, SNAT and floating IPs live here. */
export const PROVIDER_CIDR = '172.24.4';
