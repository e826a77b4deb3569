// The flow index must answer exactly what a plain priority scan answers. A generated network (the
// bench generator's size S: node switches, namespaces, ACLs on port groups and address sets, LB VIPs, a
// router) is loaded into a real OVN; on every table of every datapath, random packets built from the
// values the table's flows test (so hashed buckets, masks and sets are hit, and also missed) are looked
// up both ways. A wrong key, a missed mask or a wrong priority merge shows as a different flow.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/lib/topology-generator.ts';
import { resolveField, writeBits, writeString } from '../../src/engine/lflow/fields.ts';
import { type CFlow, FlowIndex } from '../../src/engine/lflow/flow-index.ts';
import { type KeyEntry, NO_KEYS } from '../../src/engine/lflow/flow-keys.ts';
import { type CompiledSb, compileSb } from '../../src/engine/lflow/index.ts';
import { emptyFlow, type Flow } from '../../src/ovn/expr/index.ts';
import type { LogicalFlow } from '../../src/ovn/sb/types.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';

/** Small deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ETH_TYPES = [0x0800, 0x86dd, 0x0806];
const PROTOS = [6, 17, 1, 58, 132];

function setKey(f: Flow, field: string, e: KeyEntry, rnd: () => number): void {
  const word = /^regs\[(\d+)\]$/.exec(field);
  if (word) {
    // A key on one register word (bit tests): the masked bits from the key, the others random.
    const m = e.mask === null ? 0xffffffff : Number(e.mask);
    f.regs[Number(word[1])] = ((Number(e.value) & m) | (Math.floor(rnd() * 2 ** 32) & ~m)) >>> 0;
    return;
  }
  const ref = resolveField(field)!;
  if (typeof e.value === 'string') writeString(f, ref, e.value);
  else {
    // Under a mask, random bits outside it: the packet must still land in the prefix's bucket.
    const m = e.mask === null ? null : BigInt(e.mask);
    const noise = BigInt(Math.floor(rnd() * 2 ** 32)) * BigInt(Math.floor(rnd() * 2 ** 32));
    const v =
      m === null ? BigInt(e.value) : BigInt(e.value) | (noise & ~m & ((1n << BigInt(ref.nbits)) - 1n));
    writeBits(f, ref, v);
  }
}

/** A packet for a table: random basics, then some keyed fields set to values flows test. */
function packet(flows: readonly CFlow[], rnd: () => number): Flow {
  const f = { ...emptyFlow(), regs: new Uint32Array(16) };
  f.ethType = ETH_TYPES[Math.floor(rnd() * ETH_TYPES.length)]!;
  f.ipProto = PROTOS[Math.floor(rnd() * PROTOS.length)]!;
  f.ipTtl = 64;
  f.arpOp = 1 + Math.floor(rnd() * 2);
  f.ctState = Math.floor(rnd() * 256);
  f.logFlags = Math.floor(rnd() * 16);
  for (let i = 0; i < 4; i++) {
    const cf = flows[Math.floor(rnd() * flows.length)]!;
    for (const [field, values] of cf.keys)
      if (values.length > 0 && rnd() < 0.8) setKey(f, field, values[Math.floor(rnd() * values.length)]!, rnd);
  }
  return f;
}

describe.skipIf(skipWithoutOvn())('flow index vs a plain priority scan', () => {
  let tb: OvnTestbed;
  let sb: CompiledSb;
  beforeAll(async () => {
    tb = await startOvn();
    await tb.loadSnapshot(generate('S').doc);
    sb = compileSb(await readSbOnce(tb.sbRemote, undefined));
  }, 120_000);
  afterAll(async () => tb?.stop());

  it('gives the same flow on every table of every datapath for random packets', () => {
    // Flows per (pipeline, table id): where the packet values come from.
    const byTable = new Map<string, CFlow[]>();
    for (const lf of sb.db.Logical_Flow.values())
      for (const cf of sb.compiledFlow(lf.uuid)) {
        const k = `${lf.pipeline}/${lf.tableId}`;
        byTable.set(k, [...(byTable.get(k) ?? []), cf]);
      }
    const rnd = rng(7);
    let lookups = 0;
    let keyedHits = 0;
    let tables = 0;
    for (const dp of sb.datapaths.values())
      for (const pipeline of ['ingress', 'egress'] as const) {
        const index = sb.table(dp, pipeline);
        for (let t = 0; t < index.length; t++) {
          const flows = byTable.get(`${pipeline}/${t}`);
          if (!flows) continue;
          tables++;
          for (let i = 0; i < 60; i++) {
            const pkt = packet(flows, rnd);
            const want = index.scan(t, pkt);
            const got = index.lookup(t, pkt);
            lookups++;
            if (got && got.keys.size > 0) keyedHits++;
            if (got !== want)
              expect.fail(
                `${dp.name} ${pipeline} table ${t}: index gave ${got?.flow.match ?? 'none'}, scan ${want?.flow.match ?? 'none'}`,
              );
          }
        }
      }
    expect(tables).toBeGreaterThan(100);
    // The packets reach hashed flows often (8.8% of ~16k lookups here), else the comparison tests little.
    expect(keyedHits).toBeGreaterThan(500);
    expect(keyedHits / lookups).toBeGreaterThan(0.04);
  });
});

describe('tables a trace steps over (FlowIndex.firstActive)', () => {
  const flow = (priority: number, match: string, omit: boolean): CFlow =>
    ({
      flow: { priority, match } as LogicalFlow,
      stage: 'ls_in_test',
      evaluate: () => match === '1',
      actions: [],
      keys: NO_KEYS,
      omit,
      hopInfo: null,
      rowHash: 0,
    }) as CFlow;

  it('skips a built `1, next;` table, and stops skipping it once it changes', () => {
    const index = new FlowIndex();
    const skip = flow(0, '1', true);
    index.add(0, skip);
    index.add(1, flow(0, '1', false));
    // Not built yet: not skipped (the trace's lookup builds it).
    expect(index.firstActive(0)).toBe(0);
    expect(index.lookup(0, emptyFlow())).toBe(skip);
    expect(index.firstActive(0)).toBe(1);
    // A flow above it: packets may now stop there.
    const above = flow(10, 'ip4', false);
    index.add(0, above);
    expect(index.firstActive(0)).toBe(0);
    expect(index.lookup(0, emptyFlow())).toBe(skip);
    index.remove(0, above);
    index.build(0);
    expect(index.firstActive(0)).toBe(1);
    // A table whose only flow is `1` with other actions is not stepped over.
    index.build(1);
    expect(index.firstActive(1)).toBe(1);
  });
});
