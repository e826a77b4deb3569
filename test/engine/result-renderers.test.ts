// The renderers of the result tree against golden output captured before the tree existed (commit
// a21ce02, test/fixtures/golden): the API JSON (key order included), the CLI hop table and the
// monitor's outcome must be what users saw, for every scenario on the model engine and every recorded
// ovn-trace text of the demo network.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { buildRun } from '../../src/engine/ovn-trace/build-result.ts';
import { parseDetailed } from '../../src/engine/ovn-trace/parse-detailed.ts';
import { treeOfRun } from '../../src/engine/ovn-trace/unite-results.ts';
import { resolveRequest } from '../../src/engine/resolve.ts';
import { toTraceResult } from '../../src/engine/result/api.ts';
import { outcomeOf } from '../../src/engine/result/outcome.ts';
import { renderTrace } from '../../src/engine/result/table.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';
import { GOLDEN_FILE, modelCases, recordedCases } from '../fixtures/golden/requests.ts';

interface Golden {
  json: unknown;
  table: string;
  visited?: string[];
  outcome?: { reaches: boolean; dropType: string | null; summary: string; visited: string[] };
}
const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Record<string, Golden>;

describe('renderers reproduce the pre-tree output', () => {
  const engine = createModelEngine();
  // Scenarios added after the capture have no golden output: the scenario suites check them.
  const captured = modelCases().filter((c) => golden[`model: ${c.name}`]);
  it.each(captured.map((c) => [c.name, c] as const))('model: %s', async (name, c) => {
    const want = golden[`model: ${name}`]!;
    const tree = await engine.trace(c.request, { network: c.topology });
    const api = toTraceResult(tree);
    expect(JSON.stringify(api)).toBe(JSON.stringify(want.json));
    expect(renderTrace(api)).toBe(want.table);
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
    const api = toTraceResult(treeOfRun({ request: c.request, resolved }, run));
    expect(JSON.stringify(api)).toBe(JSON.stringify(want.json));
    expect(renderTrace(api)).toBe(want.table);
  });
});
