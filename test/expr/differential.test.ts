// Differential test: generated matches and packets, judged by real OVN. Each match is a drop ACL on its
// own switch; real ovn-trace says whether the ACL's flow matched each packet; our compileMatch must
// agree on every case (a match we reject must be one OVN ignores, i.e. it never matches).
// OVNCP_DIFF_CASES=N runs more cases (default 400); OVNCP_DIFF_SEED=S replays a seed ('random' for a new one).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMatch, type RefResolver } from '../../src/ovn/expr/index.ts';
import { type OvnTestbed, skipWithoutOvn, startOvn } from '../helpers/ovn-testbed.ts';
import { prng } from '../helpers/prng.ts';
import { ADDRESS_SETS, Gen, IP_A, PINNED, PORT_GROUP } from './generate.ts';
import { buildNetwork, instantiate, pool, portA, switchName, TraceDaemon, verdictOf } from './ovn-oracle.ts';
import { type Packet, toFlow, toMicroflow } from './packets.ts';

const CASES = Number(process.env.OVNCP_DIFF_CASES ?? 400);
const PACKETS_PER_MATCH = 5;
const SEED =
  process.env.OVNCP_DIFF_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.OVNCP_DIFF_SEED ?? 20261125);

function resolver(switches: number): RefResolver {
  const members = Array.from({ length: switches }, (_, k) => portA(k));
  return {
    addressSet: (name) => ADDRESS_SETS[name],
    portGroup: (name) => (name === PORT_GROUP ? members : undefined),
    portGroupAddresses: (name, family) => (name === PORT_GROUP ? (family === 4 ? [IP_A] : []) : undefined),
  };
}

interface Case {
  readonly k: number;
  readonly match: string;
  readonly packet: Packet;
}

describe.skipIf(skipWithoutOvn())('match expressions vs real OVN (differential)', () => {
  let tb: OvnTestbed;
  let daemon: TraceDaemon;
  const gen = new Gen(prng(SEED));
  const nMatches = Math.max(1, Math.ceil(CASES / PACKETS_PER_MATCH) - PINNED.length);
  const templates = [...PINNED, ...Array.from({ length: nMatches }, () => gen.expr(3))];
  const cases: Case[] = templates.flatMap((t, k) =>
    Array.from({ length: PACKETS_PER_MATCH }, () => ({ k, match: instantiate(t, k), packet: gen.packet() })),
  );

  beforeAll(async () => {
    tb = await startOvn();
    await buildNetwork(tb, templates);
    daemon = await TraceDaemon.start(tb);
  });
  afterAll(async () => {
    await tb?.stop();
  });

  it(`agrees with ovn-trace on every generated case (seed ${SEED})`, { timeout: 600_000 }, async () => {
    const refs = resolver(templates.length);
    const outputs = await pool(
      cases.map((c) => () => daemon.trace(switchName(c.k), toMicroflow(c.packet, portA(c.k)))),
      4,
    );
    const disagreements: string[] = [];
    let agreed = 0;
    let inconclusive = 0;
    let rejected = 0;
    cases.forEach((c, i) => {
      const ovn = verdictOf(outputs[i]!, c.k);
      if (ovn === 'inconclusive') {
        inconclusive++;
        disagreements.push(
          `INCONCLUSIVE ${c.match}\n  packet: ${toMicroflow(c.packet, portA(c.k))}\n${outputs[i]}`,
        );
        return;
      }
      const compiled = compileMatch(c.match, refs);
      if (!compiled.ok) rejected++;
      const ours = compiled.ok && compiled.evaluate(toFlow(c.packet, portA(c.k)));
      if (ours === (ovn === 'match')) agreed++;
      else
        disagreements.push(
          `match: ${c.match}\n  packet: ${toMicroflow(c.packet, portA(c.k))}\n  ovn: ${ovn}, ours: ${ours}` +
            (compiled.ok ? '' : ` (rejected: ${compiled.message})`),
        );
    });
    console.log(
      `differential seed ${SEED}: agreement ${agreed}/${cases.length} (${rejected} cases with a match we reject, ${inconclusive} inconclusive)`,
    );
    expect(disagreements).toEqual([]);
  });

  it('rejects exactly the matches that ovn-trace cannot parse', () => {
    const refs = resolver(templates.length);
    const ovnRejected = daemon.rejectedMatches();
    const disagreements: string[] = [];
    let sameReason = 0;
    const matches = templates.map((t, k) => instantiate(t, k));
    for (const m of matches) {
      const ours = compileMatch(m, refs);
      const theirs = ovnRejected.get(m);
      if (!ours.ok && theirs !== undefined && ours.message.startsWith(theirs.replace(/\.$/, '')))
        sameReason++;
      if (ours.ok === (theirs === undefined)) continue;
      disagreements.push(
        `${m}\n  ovn: ${theirs ?? 'accepted'}\n  ours: ${ours.ok ? 'accepted' : ours.message}`,
      );
    }
    console.log(
      `differential seed ${SEED}: ${ovnRejected.size}/${matches.length} matches rejected by OVN, ${matches.length - disagreements.length}/${matches.length} verdicts agree, ${sameReason} with OVN's own reason`,
    );
    expect(disagreements).toEqual([]);
  });
});
