// Engine choice with the lflow engine: `--engine lflow` needs an SB (503 without), `auto` with an SB is
// lflow for /flow and for checks, with a sample of checks re-traced on the model and disagreements
// counted under engines="lflow,model"; a path's `auto` is the daemon's --engine. The lflow stand-in here
// is the model tracing a topology with one more drop ACL (a real disagreement, not a canned answer);
// lflow itself against real OVN is tested in test/monitor/lflow-live.test.ts.

import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { CrossCheckEngine, createEngineSet, enginePair } from '../../src/engine/select.ts';
import type { TraceEngine } from '../../src/engine/types.ts';
import { isOvncpError } from '../../src/errors.ts';
import { DEMO_NETWORK_FILE, loadDemoTopology, loadTopologyText } from '../../src/sources/file.ts';

const demo = loadDemoTopology();
/** The demo network with vm2's HTTP dropped by a to-lport ACL on ls1. */
const blocked = loadTopologyText(
  'blocked',
  readFileSync(DEMO_NETWORK_FILE, 'utf8').replace(
    /(\n {2}- name: ls1\n(?: {4}.*\n)*? {4}acls:\n)/,
    `$1      - { direction: to-lport, priority: 1900, match: 'outport == "vm2-port" && tcp.dst == 80', action: drop }\n`,
  ),
);

function standIn(): TraceEngine {
  const model = createModelEngine();
  return { name: 'lflow', trace: (req, opts) => model.trace(req, { ...opts, network: blocked }) };
}

const HTTP = {
  source_port: 'vm1-port',
  destination_ip: '10.0.0.2',
  protocol: 'tcp',
  destination_port_num: 80,
} as const;

describe('engine choice with lflow', () => {
  it('the stand-in really disagrees with the model on the demo network', async () => {
    expect((await createModelEngine().trace(HTTP, { network: demo })).reached).toBe(true);
    expect((await standIn().trace(HTTP, { network: demo })).reached).toBe(false);
  });

  it('--engine lflow without an SB answers 503 OVNCP_ERR_ENGINE_UNAVAILABLE', () => {
    const set = createEngineSet({
      choice: 'lflow',
      sbDb: null,
      model: createModelEngine(),
      registry: new Registry(),
    });
    let err: unknown;
    try {
      set.onDemand();
    } catch (e) {
      err = e;
    }
    expect(isOvncpError(err) && err.code).toBe('OVNCP_ERR_ENGINE_UNAVAILABLE');
    expect(set.forChoice('model').name).toBe('model');
  });

  it('auto with an SB: lflow answers /flow and checks; the model re-checks a sample; disagreements counted', async () => {
    const registry = new Registry();
    const set = createEngineSet({
      choice: 'auto',
      sbDb: null,
      model: createModelEngine(),
      lflow: standIn(),
      registry,
      crossCheckSample: 1,
    });
    expect(set.onDemand().name).toBe('lflow');
    const checks = set.forChoice('auto');
    expect(checks).toBeInstanceOf(CrossCheckEngine);
    expect(checks.name).toBe('lflow');
    expect((await checks.trace(HTTP, { network: demo })).reached).toBe(false);
    await (checks as CrossCheckEngine).idle();
    const text = await registry.metrics();
    expect(text).toContain('ovncp_engine_disagreements_total{engines="lflow,model"} 1');
    expect(text).toContain('ovncp_engine_cross_checks_total{engines="lflow,model",outcome="disagree"} 1');
    await set.close();
  });

  it("a path's auto is the daemon's --engine", () => {
    const base = { sbDb: null, model: createModelEngine(), lflow: standIn(), registry: new Registry() };
    expect(createEngineSet({ ...base, choice: 'lflow' }).forChoice('auto').name).toBe('lflow');
    expect(
      createEngineSet({ ...base, choice: 'model', registry: new Registry() }).forChoice('auto').name,
    ).toBe('model');
    expect(
      createEngineSet({ ...base, choice: 'model', registry: new Registry() }).forChoice('lflow').name,
    ).toBe('lflow');
  });

  it('the engines label is the sorted pair', () => {
    expect(enginePair('model', 'ovn-trace')).toBe('model,ovn-trace');
    expect(enginePair('lflow', 'model')).toBe('lflow,model');
  });
});
