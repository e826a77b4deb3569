// ovn-trace's friendly names mapped back to logical names (src/engine/ovn-trace/friendly-names.ts):
// Neutron-style names end in a UUID, which ovn-trace cuts to 6 hex digits, and a datapath with
// neutron:network_name is printed by that name. The lines are ovn-trace 23.03's, names as printed.

import { describe, expect, it } from 'vitest';
import { friendlyNames, shortenUuid, unfriendly } from '../../src/engine/ovn-trace/friendly-names.ts';
import { buildTopology } from '../../src/ovn/topology/build.ts';

const VM = '3ef3aeb9-811c-44e7-a5ff-ab044964d820';
const NET = 'neutron-5b3c0cf7-eb70-41aa-a153-55af69e5341f';

const topology = buildTopology(
  {
    switches: [
      {
        name: NET,
        external_ids: { 'neutron:network_name': 'private-1' },
        ports: [
          { name: VM, addresses: ['fa:16:3e:00:00:02 10.1.0.2'] },
          { name: 'plain', addresses: ['fa:16:3e:00:00:03 10.1.0.3'] },
        ],
      },
    ],
  },
  { kind: 'memory', name: 'friendly' },
);

describe('ovn-trace friendly names', () => {
  it('cuts a trailing UUID to 6 hex digits and leaves other names alone', () => {
    expect(shortenUuid(VM)).toBe('3ef3ae');
    expect(shortenUuid(NET)).toBe('neutron-5b3c0c');
    expect(shortenUuid('vm1')).toBe('vm1');
  });

  it('maps printed port and datapath names back to the topology', () => {
    const names = friendlyNames(topology);
    const text = [
      'ingress(dp="private-1", inport="3ef3ae")',
      '    /* output to "3ef3ae", type "" */',
      'egress(dp="private-1", inport="plain", outport="3ef3ae")',
    ].join('\n');
    expect(unfriendly(text, names)).toBe(
      [
        `ingress(dp="${NET}", inport="${VM}")`,
        `    /* output to "${VM}", type "" */`,
        `egress(dp="${NET}", inport="plain", outport="${VM}")`,
      ].join('\n'),
    );
  });
});
