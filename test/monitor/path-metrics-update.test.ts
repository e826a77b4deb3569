// PathMetrics re-renders only the last-check line when a run keeps the verdict: the text after any
// sequence of runs must equal a fresh render of the same state (verdict changes, errors, redefinition).

import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/monitor/expand.ts';
import { PathMetrics } from '../../src/monitor/path-metrics.ts';
import { parsePathsText } from '../../src/monitor/paths-config.ts';
import type { CheckOutcome, CheckState } from '../../src/monitor/results.ts';

const config = parsePathsText(
  '<test>',
  'paths:\n  - name: a\n    source_port: vm1-port\n    destination: vm2-port\n    protocol: tcp\n    port: 80\n    interval: 30s\n',
);
const spec = config.paths[0]!;
const check = (expect: 'reachable' | 'blocked' = 'reachable'): Check => ({
  key: 'a|vm1-port|vm2-port|tcp|80',
  path: { ...spec, expect },
  sourcePort: 'vm1-port',
  destination: 'vm2-port',
  destinationKind: 'port',
  protocol: 'tcp',
  port: 80,
});

function outcome(at: number, reachable: boolean | null): CheckOutcome {
  return {
    at,
    durationMs: 1,
    trigger: 'schedule',
    engine: 'model',
    reachable,
    error: reachable === null ? { reason: 'timeout', message: 'slow' } : null,
    blockedBy: reachable === false ? 'deny-all' : null,
    blockedOwner: reachable === false ? { kind: 'acl', name: 'deny-all' } : null,
    allowedBy: null,
    hopType: reachable === false ? 'acl' : null,
    summary: '',
    visited: null,
  };
}

const fresh = (s: CheckState) => {
  const m = new PathMetrics();
  m.update(s);
  return m.renderSync();
};

describe('PathMetrics.update', () => {
  it('matches a fresh render after every run, whether the verdict moved or not', () => {
    const m = new PathMetrics();
    const s: CheckState = { check: check(), last: null, lastChange: null, runs: 0 };
    m.update(s);
    expect(m.renderSync()).toBe(fresh(s));
    const steps: [number, boolean | null][] = [
      [1_000, true],
      [31_000, true], // same verdict: only the check time moves
      [61_000, false],
      [91_000, false],
      [121_000, null],
      [151_000, true],
    ];
    let before = '';
    for (const [at, reachable] of steps) {
      const o = outcome(at, reachable);
      if (s.last?.reachable !== reachable || s.last?.error?.reason !== o.error?.reason) s.lastChange = at;
      s.last = o;
      m.update(s);
      const text = m.renderSync();
      expect(text).toBe(fresh(s));
      expect(text).toContain(`ovncp_path_last_check_timestamp_seconds{`);
      expect(text).toContain(` ${at / 1000}\n`);
      expect(text).not.toBe(before);
      before = text;
    }
    s.check = check('blocked'); // redefined by a reload: every line re-rendered
    m.update(s);
    expect(m.renderSync()).toBe(fresh(s));
    expect(m.renderSync()).toContain('ovncp_path_expected_reachable{path="a"');
  });
});

describe('PathMetrics.renderChunks (parts kept between scrapes)', () => {
  /** 12,000 checks: three parts of each family. */
  function many(): { m: PathMetrics; states: CheckState[] } {
    const m = new PathMetrics();
    const states = Array.from({ length: 12_000 }, (_, i): CheckState => {
      const c = check();
      return {
        check: { ...c, key: `${c.key}|${i}`, path: { ...c.path, name: `p${i}` } },
        last: outcome(1_000, i % 7 !== 0),
        lastChange: 1_000,
        runs: 1,
      };
    });
    for (const s of states) m.update(s);
    return { m, states };
  }
  const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');

  it('sends what a full render sends after runs, verdict changes, new and removed checks', async () => {
    const { m, states } = many();
    expect(text(await m.renderChunks())).toBe(m.renderSync());
    const run = (i: number, at: number, reachable: boolean) => {
      const s = states[i]!;
      if (s.last?.reachable !== reachable) s.lastChange = at;
      s.last = outcome(at, reachable);
      m.update(s);
    };
    run(5, 2_000, states[5]!.last!.reachable!); // only its check time moves
    expect(text(await m.renderChunks())).toBe(m.renderSync());
    run(11_000, 3_000, !states[11_000]!.last!.reachable); // a verdict flips in the last part
    expect(text(await m.renderChunks())).toBe(m.renderSync());
    expect(m.renderSync()).toContain(' 3\n');
    const added = {
      ...states[0]!,
      check: { ...states[0]!.check, key: 'new', path: { ...spec, name: 'new' } },
    };
    m.update(added);
    expect(text(await m.renderChunks())).toBe(m.renderSync());
    m.remove(states[6_000]!.check.key);
    expect(text(await m.renderChunks())).toBe(m.renderSync());
    expect(m.renderSync()).not.toContain('path="p6000"');
  });

  it('copies again only the parts a run changed', async () => {
    const { m, states } = many();
    const first = await m.renderChunks();
    const s = states[7_000]!; // the second part
    s.last = outcome(2_000, s.last!.reachable);
    m.update(s);
    const second = await m.renderChunks();
    expect(second).toHaveLength(first.length);
    const copied = second.flatMap((b, i) => (b === first[i] ? [] : [i]));
    // One part: the second part of the last-check family (a header is one shared Buffer).
    expect(copied).toHaveLength(1);
    expect(text([second[copied[0]!]!])).toContain('ovncp_path_last_check_timestamp_seconds{path="p7000"');
    expect(text(second)).toBe(m.renderSync());
  });
});
