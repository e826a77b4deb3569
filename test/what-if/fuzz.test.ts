// Property-based fuzzing of what-if changes: random command lines (built from nbctl-like words, quotes
// and separators) and random typed ops (a known op with random fields) either apply or fail with an
// OvncpError (a 4xx naming a field), never with any other exception (a 500 in the API).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOvncpError } from '../../src/errors.ts';
import { applyChanges, NBCTL_COMMANDS, OP_NAMES, parseChange } from '../../src/ovn/topology/edit/apply.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

const demo = loadDemoTopology();

function outcome(change: unknown): 'ok' | 'refused' {
  try {
    applyChanges(demo, [parseChange(change, 0)]);
    return 'ok';
  } catch (err) {
    if (isOvncpError(err) && err.status === 400 && err.field?.startsWith('changes[0]')) return 'refused';
    throw err;
  }
}

const NAMES = [
  'ls1',
  'pg_db',
  'pg_web',
  'vm1-port',
  'lr-core',
  'lb-web',
  'mgmt_ips',
  'Address_Set',
  'nosuch',
];
const VALUES = [
  '10.0.0.1',
  '10.0.0.0/24',
  '00:00:00:00:00:01 10.0.0.9',
  'tcp.dst == 22',
  'from-lport',
  'to-lport',
  'drop',
  'allow',
  '100',
  '-1',
  'discard',
  '10.0.1.100:80',
  'addresses',
  'name=x',
  'snat',
  '',
];
const word = fc.oneof(
  fc.constantFrom(
    ...NBCTL_COMMANDS,
    ...NAMES,
    ...VALUES,
    '--',
    '--may-exist',
    '--if-exists',
    '--type=port-group',
    '--name=n',
  ),
  fc.string({ maxLength: 6 }),
);
const quoted = fc
  .tuple(word, fc.constantFrom('', "'", '"', '\\'))
  .map(([w, q]) => (q === '\\' ? `${w}\\` : `${q}${w}${q}`));

describe('what-if changes never crash', () => {
  it('random command lines apply or are refused with a field', () => {
    let applied = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(word, quoted), { minLength: 1, maxLength: 8 }), (words) => {
        if (outcome({ nbctl: words.join(' ') }) === 'ok') applied++;
      }),
      { numRuns: 3000, seed: 19 },
    );
    expect(applied).toBeGreaterThan(0); // some lines reach the handlers and apply
  });

  it('random typed ops apply or are refused with a field', () => {
    const applied = 0;
    const value = fc.oneof(
      fc.constantFrom(...NAMES, ...VALUES),
      fc.integer({ min: -5, max: 70000 }),
      fc.boolean(),
      fc.array(fc.constantFrom(...NAMES, ...VALUES), { maxLength: 3 }),
      fc.constant(null),
      fc.dictionary(fc.constantFrom('a', 'pkt_mark'), fc.string({ maxLength: 3 })),
    );
    const keys = [
      'entity',
      'entity_type',
      'direction',
      'priority',
      'match',
      'action',
      'name',
      'ports',
      'addresses',
      'switch',
      'port',
      'router',
      'prefix',
      'nexthop',
      'type',
      'external_ip',
      'logical_ip',
      'lb',
      'vip',
      'backends',
      'protocol',
      'nexthops',
      'options',
      'ip',
      'uuid',
      'may_exist',
      'if_exists',
      'tag',
      'parent',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...OP_NAMES),
        fc.dictionary(fc.constantFrom(...keys), value),
        (op, fields) => {
          outcome({ ...fields, op });
        },
      ),
      { numRuns: 5000, seed: 19 },
    );
  });

  it('some random changes do apply (the generators reach the handlers)', () => {
    expect(outcome({ nbctl: "acl-add ls1 to-lport 100 'tcp.dst == 22' drop" })).toBe('ok');
  });
});
