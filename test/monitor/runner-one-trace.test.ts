// A check is one trace: the outcome detail still names the type of the hop a packet ended at when it
// was delivered to the wrong port (the old runner traced such a check a second time, in full, to learn
// it), and the monitor's blocked_by names the dropping ACL by the same rule as the analysis API.

import { describe, expect, it } from 'vitest';
import { blockedBy } from '../../src/analysis/blocked-by.ts';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import { decidingAcl, outcomeOf } from '../../src/engine/result/outcome.ts';
import type { TraceEngine, TraceOptions, TraceRequest } from '../../src/engine/types.ts';
import { expandPaths } from '../../src/monitor/expand.ts';
import { parsePathsText } from '../../src/monitor/paths-config.ts';
import { runCheck } from '../../src/monitor/runner.ts';
import { loadTopologyText } from '../../src/sources/file.ts';

/** Three ports without port security: a frame for b's IP but c's MAC is delivered to c. */
const topology = loadTopologyText(
  'three.yaml',
  `
switches:
  - name: s
    ports:
      - { name: a, addresses: ["00:00:00:00:00:0a 10.1.0.1"] }
      - { name: b, addresses: ["00:00:00:00:00:0b 10.1.0.2"] }
      - { name: c, addresses: ["00:00:00:00:00:0c 10.1.0.3"] }
`,
);

function countingModel(): TraceEngine & { calls: TraceOptions[] } {
  const model = createModelEngine();
  const calls: TraceOptions[] = [];
  return {
    name: 'model',
    calls,
    trace(req: TraceRequest, opts: TraceOptions) {
      calls.push(opts);
      return model.trace(req, opts);
    },
  };
}

describe('runCheck', () => {
  it('traces a packet delivered elsewhere once, and still names its last hop type', async () => {
    const paths = parsePathsText(
      'paths.yaml',
      `
paths:
  - name: wrong-mac
    source_port: a
    destination: b
    protocol: tcp
    port: 80
    destination_mac: "00:00:00:00:00:0c"
`,
    );
    const { checks } = expandPaths(paths, topology, true);
    const engine = countingModel();
    const o = await runCheck(checks[0]!, {
      topology,
      engine: () => engine,
      timeoutMs: 10_000,
      trigger: 'schedule',
    });
    expect(o.error).toBeNull();
    expect(o.reachable).toBe(false);
    expect(o.blockedBy).toBe('not_delivered');
    // The full trace shows what the outcome trace must name without building hops.
    const full = toTraceResult(
      await createModelEngine().trace(
        {
          source_port: 'a',
          destination_ip: '10.1.0.2',
          protocol: 'tcp',
          destination_port_num: 80,
          destination_mac: '00:00:00:00:00:0c',
        },
        { network: topology },
      ),
    );
    expect(full.output_ports).toEqual(['c']);
    expect(full.dropped_at).toBeNull();
    expect(o.hopType).toBe(full.hops.at(-1)!.type);
    expect(engine.calls).toHaveLength(1);
    expect(engine.calls[0]!.detail).toBe('outcome');
    expect(engine.calls[0]!.network).toBe(topology);
  });
});

/** Two routers that send 10.99.0.0/16 to each other: a forwarding loop longer than max_hops (50). */
const loop = loadTopologyText(
  'loop.yaml',
  `
switches:
  - name: ls
    ports:
      - { name: vm, addresses: ["0a:00:00:00:00:01 10.0.0.10"] }
      - { name: ls-r1, type: router, addresses: [router], options: { router-port: r1-ls } }
routers:
  - name: r1
    ports:
      - { name: r1-ls, mac: "0a:00:00:00:ff:01", networks: [10.0.0.1/24] }
      - { name: r1-r2, mac: "0a:00:00:00:ff:02", networks: [10.255.0.1/30], peer: r2-r1 }
    static_routes: [{ ip_prefix: 10.99.0.0/16, nexthop: 10.255.0.2 }]
  - name: r2
    ports:
      - { name: r2-r1, mac: "0a:00:00:00:ff:03", networks: [10.255.0.2/30], peer: r1-r2 }
    static_routes: [{ ip_prefix: 10.99.0.0/16, nexthop: 10.255.0.1 }]
`,
);

describe('a check cut by max_hops (issue 17 item 5)', () => {
  it('is an error with the reason max_hops, not a blocked verdict', async () => {
    const paths = parsePathsText(
      'paths.yaml',
      `
paths:
  - name: into-the-loop
    source_port: vm
    destination_ip: 10.99.1.1
    protocol: icmp
    expect: blocked
`,
    );
    const { checks } = expandPaths(paths, loop, true);
    const o = await runCheck(checks[0]!, {
      topology: loop,
      engine: () => createModelEngine(),
      timeoutMs: 10_000,
      trigger: 'schedule',
    });
    expect(o.reachable).toBeNull();
    expect(o.blockedBy).toBeNull();
    expect(o.error).toEqual({
      reason: 'max_hops',
      message: expect.stringContaining('cut at 50 hops: max_hops (50) reached'),
    });
    expect(o.summary).toBe(o.error!.message);
  });
});

describe('blocked_by: one rule for the monitor and the analysis API', () => {
  const acl = (name: string, priority: number, action: string) => ({
    acl_name: name,
    priority,
    direction: 'ingress' as const,
    action,
    match: 'ip4',
  });
  // Listed lowest first: the old runner took the first deny here (low-deny).
  const matches = [
    acl('low-deny', 100, 'drop'),
    acl('allow-mid', 500, 'allow'),
    acl('high-deny', 900, 'reject'),
  ];

  it('the highest-priority deny decides', () => {
    expect(decidingAcl(matches)?.acl_name).toBe('high-deny');
    expect(decidingAcl([acl('a', 1, 'allow'), acl('b', 5, 'allow')])?.acl_name).toBe('b');
    expect(decidingAcl([])).toBeNull();
  });

  it('the monitor outcome and the analysis label name the same ACL', async () => {
    const tree = await createModelEngine().trace(
      { source_port: 'a', destination_ip: '10.1.0.2' },
      { network: topology },
    );
    const hop = {
      index: 0,
      type: 'acl' as const,
      component: 'ingress ACL',
      action: 'drop' as const,
      description: 'dropped',
      acl_matches: matches,
    };
    // The same trace, as if that hop had dropped it.
    const branch = { ...tree.shown, reached: false, outputs: [], dropped: hop, lastType: 'acl' as const };
    const dropped = { ...tree, reached: false, outputPorts: [], branches: [branch], shown: branch };
    expect(outcomeOf(dropped).blockedBy).toBe('high-deny');
    expect(blockedBy(toTraceResult(dropped))).toBe('ACL: high-deny (Priority: 900)');
  });
});
