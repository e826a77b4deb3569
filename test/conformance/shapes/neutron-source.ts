// The Neutron shape as a conformance CaseSource (`--source neutron`): networks from neutron.ts, packets
// and case classes from neutron-packets.ts. The generator ignores the harness's `lb` round and features
// (Neutron networks always may have Octavia LBs and use no newer NB column).

import { Rng } from '../generator.ts';
import type { CaseSource } from '../run-conformance.ts';
import { genNeutronNetwork, type NeutronNet } from './neutron.ts';
import { genNeutronRequests, neutronCaseTags } from './neutron-packets.ts';

export const NEUTRON_SOURCE: CaseSource<NeutronNet> = {
  name: 'neutron',
  network: (rng, opts) => genNeutronNetwork(rng, { extras: new Rng((opts.seed ^ 0x7e57) >>> 0) }),
  requests: (net, rng, n) => genNeutronRequests(net, rng, n),
  tags: neutronCaseTags,
};
