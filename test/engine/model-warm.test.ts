// A model in use compiles a new topology when it arrives (runtime.ts warmModel), not on the first trace
// after it: the checks of an NB change wait for northd meanwhile, so the compile is off their path.

import { describe, expect, it } from 'vitest';
import { createModelEngine } from '../../src/engine/model/index.ts';
import { TopologyStore } from '../../src/ovn/topology/store.ts';
import { warmModel } from '../../src/runtime/runtime.ts';
import { loadDemoTopology } from '../../src/sources/file.ts';

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('warmModel', () => {
  it('compiles each new topology once the model is in use', async () => {
    const store = new TopologyStore();
    const model = createModelEngine();
    warmModel(model, store);
    const a = loadDemoTopology();
    store.set(a, ['initial']);
    await turn();
    // Never used: nothing compiled.
    expect(model.networks.peek(a)).toBeUndefined();
    model.compiled(a);
    const b = loadDemoTopology();
    store.set(b, ['ACL']);
    // Not in the change's own turn: on the next one.
    expect(model.networks.peek(b)).toBeUndefined();
    await turn();
    expect(model.networks.peek(b)).toBeDefined();
  });

  it('skips a topology replaced before its turn came', async () => {
    const store = new TopologyStore();
    const model = createModelEngine();
    warmModel(model, store);
    const a = loadDemoTopology();
    store.set(a, ['initial']);
    model.compiled(a);
    const b = loadDemoTopology();
    const c = loadDemoTopology();
    store.set(b, ['ACL']);
    store.set(c, ['ACL']);
    await turn();
    expect(model.networks.peek(b)).toBeUndefined();
    expect(model.networks.peek(c)).toBeDefined();
  });
});
