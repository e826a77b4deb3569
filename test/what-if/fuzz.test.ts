// Property-based fuzzing of what-if changes: random command lines (built from nbctl-like words, quotes
// and separators) and random typed ops (a known op with random fields) either apply or fail with an
// OvncpError (a 4xx naming a field), never with any other exception (a 500 in the API).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOvncpError } from '../../src/errors.ts';
import { applyChanges, NBCTL_COMMANDS, parseChange } from '../../src/ovn/topology/edit/apply.ts';
import { OP_SCHEMAS } from '../../src/ovn/topology/edit/ops.ts';
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
      { numRuns: 1500, seed: 19 },
    );
    expect(applied).toBeGreaterThan(0); // some lines reach the handlers and apply
  });

  it('random typed ops apply or are refused with a field', () => {
    let applied = 0;
    const str = fc.oneof(fc.constantFrom(...NAMES, ...VALUES), fc.string({ maxLength: 4 }));
    const valueFor = (k: string): fc.Arbitrary<unknown> =>
      ['priority', 'tag', 'label'].includes(k)
        ? fc.integer({ min: -1, max: 40000 })
        : ['may_exist', 'if_exists', 'log', 'ecmp', 'apply_after_lb'].includes(k)
          ? fc.boolean()
          : ['ports', 'addresses', 'backends', 'nexthops'].includes(k)
            ? fc.array(str, { maxLength: 3 })
            : k === 'options'
              ? fc.dictionary(fc.constantFrom('pkt_mark', 'x'), fc.string({ maxLength: 3 }))
              : str;
    // Each op with a random subset of its own fields, each of a plausible type (or junk, sometimes).
    const op = fc.constantFrom(...OP_SCHEMAS).chain((schema) => {
      const keys = Object.keys(schema.shape).filter((k) => k !== 'op');
      const fields = Object.fromEntries(
        keys.map((k) => [
          k,
          fc.oneof({ weight: 9, arbitrary: valueFor(k) }, { weight: 1, arbitrary: fc.anything() }),
        ]),
      );
      return fc.record(fields, { requiredKeys: [] }).map((r) => ({ ...r, op: schema.shape.op.value }));
    });
    fc.assert(
      fc.property(op, (change) => {
        if (outcome(change) === 'ok') applied++;
      }),
      { numRuns: 1500, seed: 19 },
    );
    expect(applied).toBeGreaterThan(50); // many ops pass the schema and reach the handlers
  });

  it('some random changes do apply (the generators reach the handlers)', () => {
    expect(outcome({ nbctl: "acl-add ls1 to-lport 100 'tcp.dst == 22' drop" })).toBe('ok');
  });
});
