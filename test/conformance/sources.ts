// The case sources the conformance harness knows by name (`--source NAME` in conformance-cli.ts): the
// seeded generator (generator.ts) by default. A shape generator (ovn-kubernetes, Neutron) adds its
// CaseSource to CASE_SOURCES, and every engine and oracle of the harness then runs on its networks.

import { caseTags, type GenNet, genNetwork, genRequests } from './generator.ts';
import type { CaseSource } from './run-conformance.ts';
import { NEUTRON_SOURCE } from './shapes/neutron-source.ts';
import { OVNK_SOURCE } from './shapes/ovnk.ts';

/** The seeded random generator: small networks of every feature the bed's schema has. */
export const GENERATOR_SOURCE: CaseSource<GenNet> = {
  name: 'generator',
  network: (rng, opts) => genNetwork(rng, opts),
  requests: (net, rng, n) => genRequests(rng, net, n),
  tags: caseTags,
};

export const CASE_SOURCES: Record<string, CaseSource> = {
  generator: GENERATOR_SOURCE,
  neutron: NEUTRON_SOURCE,
  ovnk: OVNK_SOURCE,
};
