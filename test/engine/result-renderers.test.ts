// The renderers of the result tree against golden output captured before the tree existed (commit
// a21ce02, test/fixtures/golden): the API JSON (key order included), the CLI hop table and the
// monitor's outcome must be what users saw, for every scenario on the model engine and every recorded
// ovn-trace text of the demo network. `allowed_by` came later (issue 17): the old JSON is compared with
// it taken out, and it is checked on its own (last key, one entry per allowing ACL stage of the tree).
// The hop rule of issue 17 item 5 changed hops, summaries and tables deliberately, and added
// `truncated`: see the note in test/fixtures/golden/requests.ts for what was regenerated and checked.
// The tables were re-rendered once when the DATAPATH column came (issue 20; see requests.ts).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { buildRun } from '../../src/engine/ovn-trace/build-result.ts';
import { parseDetailed } from '../../src/engine/ovn-trace/parse-detailed.ts';
import { treeOfRun } from '../../src/engine/ovn-trace/unite-results.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import { allowedByOf, DEFAULT_ALLOW, outcomeOf } from '../../src/engine/result/outcome.ts';
import { renderTrace } from '../../src/engine/result/table.ts';
import type { TraceTree } from '../../src/engine/result/tree.ts';
import type { TraceResult } from '../../src/engine/types.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';
import { GOLDEN_FILE, modelCases, recordedCases } from '../fixtures/golden/requests.ts';

interface Golden {
  json: unknown;
  table: string;
  visited?: string[];
  outcome?: { reaches: boolean; dropType: string | null; summary: string; visited: string[] };
}
const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Record<string, Golden>;

/** The JSON as the golden capture knew it: without `allowed_by`, which came later and must be the last key. */
function asCaptured(api: TraceResult): Omit<TraceResult, 'allowed_by'> {
  const keys = Object.keys(api);
  expect(keys.at(-1)).toBe('allowed_by');
  const { allowed_by: _, ...old } = api;
  return old;
}

/** allowed_by lists every allowing ACL decision of the tree, in order, each with a readable reason. */
function expectAllowedBy(api: TraceResult, tree: TraceTree): void {
  const allowed = allowedByOf(tree);
  expect(api.allowed_by.map((a) => [a.datapath, a.stage, a.acl])).toEqual(
    allowed.map((d) => [d.datapath, d.stage, d.acl]),
  );
  for (const a of api.allowed_by) {
    if (a.acl === null) expect(a.reason).toBe(DEFAULT_ALLOW);
    else {
      expect(['allow', 'allow-related', 'allow-stateless']).toContain(a.acl.action);
      expect(a.reason).toContain(`priority ${a.acl.priority}`);
      expect(a.reason).toContain(a.acl.match);
    }
  }
}

describe('renderers reproduce the pre-tree output', () => {
  const engine = createModelEngine();
  // Scenarios added after the capture have no golden output: the scenario suites check them.
  const captured = modelCases().filter((c) => golden[`model: ${c.name}`]);
  it.each(captured.map((c) => [c.name, c] as const))('model: %s', async (name, c) => {
    const want = golden[`model: ${name}`]!;
    const tree = await engine.trace(c.request, { network: c.topology });
    const api = toTraceResult(tree);
    const old = asCaptured(api);
    expect(JSON.stringify(old)).toBe(JSON.stringify(want.json));
    expectAllowedBy(api, tree);
    expect(renderTrace({ ...old, allowed_by: [] })).toBe(want.table);
    expect(tree.visited).toEqual(want.visited);
    const o = outcomeOf(await engine.trace(c.request, { network: c.topology, detail: 'outcome' }));
    expect(o.reachable).toBe(want.outcome!.reaches);
    expect(o.summary).toBe(want.outcome!.summary);
    expect(o.visited).toEqual(want.outcome!.visited);
    // The drop type the old code gave (dropped hop's type) is what the outcome names when dropped.
    if (want.outcome!.dropType) expect(o.hopType).toBe(want.outcome!.dropType);
  });

  const demo = loadDemoTopology();
  it.each(recordedCases().map((c) => [c.name, c] as const))('ovn-trace: %s', async (name, c) => {
    const want = golden[`ovn-trace: ${name}`]!;
    const resolved = resolveRequest(demo, c.request);
    const run = await buildRun({
      parsed: parseDetailed(c.text),
      raw: c.text,
      resolved,
      request: c.request,
      topology: demo,
      stageHints: null,
    });
    const tree = treeOfRun({ request: c.request, resolved }, run);
    const api = toTraceResult(tree);
    const old = asCaptured(api);
    expect(JSON.stringify(old)).toBe(JSON.stringify(want.json));
    expectAllowedBy(api, tree);
    expect(renderTrace({ ...old, allowed_by: [] })).toBe(want.table);
  });

  it('names the ACL that let a reached packet through, and the default where none matched', async () => {
    const tree = await engine.trace(
      {
        source_port: 'web-server-port',
        destination_ip: '10.0.2.10',
        protocol: 'tcp',
        destination_port_num: 3306,
      },
      { network: demo },
    );
    const api = toTraceResult(tree);
    expect(api.reaches_destination).toBe(true);
    expect(api.allowed_by.map((a) => [a.datapath, a.stage, a.acl?.acl_name ?? null, a.reason])).toEqual([
      ['ls-web', 'ls_out_acl', null, DEFAULT_ALLOW],
      [
        'ls-db',
        'ls_out_acl',
        'db-allow-mysql-from-web',
        'ACL "db-allow-mysql-from-web" (priority 1100, egress, allow-related): outport == @pg_db && ip4.src == $pg_web_ip4 && tcp.dst == 3306',
      ],
    ]);
    expect(outcomeOf(tree).allowedBy).toBe(
      `ls-web/ls_out_acl: ${DEFAULT_ALLOW}; ls-db/ls_out_acl: db-allow-mysql-from-web`,
    );
  });

  it('prints the datapath of each hop in the CLI table (two ACL hops on two switches differ)', async () => {
    // vm1 -> the web tier on 80: an ACL decides on ls1 and on ls-web (since the hop rule of issue 17,
    // only stages where an ACL matched are hops, so the request must hit ACLs on both switches).
    const request = {
      source_port: 'vm1-port',
      destination_ip: '10.0.1.10',
      protocol: 'tcp',
      destination_port_num: 80,
    } as const;
    const api = toTraceResult(await engine.trace(request, { network: demo }));
    const lines = renderTrace(api).split('\n');
    const head = lines.findIndex((l) => l.startsWith('#  '));
    expect(lines[head]).toMatch(/^# +DATAPATH +TYPE +ACTION +COMPONENT +DESCRIPTION$/);
    const rows = lines.slice(head + 1, head + 1 + api.hops.length).map((l) => l.split(/ +/));
    expect(rows.map((r) => r[1])).toEqual(api.hops.map((h) => h.datapath ?? '-'));
    const aclDatapaths = rows.filter((r) => r[2] === 'acl').map((r) => r[1]);
    expect(new Set(aclDatapaths).size).toBeGreaterThan(1);
  });

  it('lists no dropping stage as allowing', async () => {
    const tree = await engine.trace(
      {
        source_port: 'web-server-port',
        destination_ip: '10.0.1.20',
        protocol: 'tcp',
        destination_port_num: 8080,
      },
      { network: demo },
    );
    const api = toTraceResult(tree);
    expect(api.reaches_destination).toBe(false);
    const dropped = api.dropped_at;
    expect(dropped?.type).toBe('acl');
    expect(api.allowed_by.some((a) => a.datapath === dropped?.datapath && a.stage === dropped?.stage)).toBe(
      false,
    );
  });
});
