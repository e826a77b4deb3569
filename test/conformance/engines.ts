// The engines the conformance harness compares with the oracle: the model (compiled once per network,
// traced in-process) and the ovn-trace engine (our parser and result builder over a daemon of the bed's
// own ovn-trace, run inside the bed's chroot for 25.03/26.03). Another engine adds a factory here.

import { compileNetwork, traceResolved } from '../../src/engine/model/index.ts';
import { createOvnTraceEngine, type OvnTraceEngine } from '../../src/engine/ovn-trace/engine.ts';
import { summaryOf } from '../../src/engine/result/summary.ts';
import type { TraceTree } from '../../src/engine/result/tree.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import type { OvnTestbed } from '../helpers/ovn-testbed.ts';
import type { ConformanceEngine, EngineAnswer } from './run-conformance.ts';

function answerOf(tree: TraceTree): EngineAnswer {
  return { ports: [...tree.outputPorts].sort(), summary: summaryOf(tree) };
}

export function modelConformanceEngine(): ConformanceEngine {
  let net: ReturnType<typeof compileNetwork> | null = null;
  return {
    name: 'model',
    async load({ topology }) {
      net = compileNetwork(topology);
    },
    async deliver(request, resolved) {
      return answerOf(traceResolved(net!, request, resolved));
    },
    async close() {
      net = null;
    },
  };
}

/**
 * The ovn-trace engine in daemon mode on the bed's SB, told of every new network (no SB watch); with
 * `maxCases`, judged on that prefix of the stream only (each network costs it a daemon start).
 */
export function ovnTraceConformanceEngine(tb: OvnTestbed, maxCases?: number): ConformanceEngine {
  const engine: OvnTraceEngine = createOvnTraceEngine({
    sbDb: tb.sbRemote,
    mode: 'daemon',
    watchSb: false,
    ...(tb.root ? { tools: { chroot: tb.root } } : {}),
  });
  let topology: Topology | null = null;
  return {
    name: 'ovn-trace',
    ...(maxCases !== undefined ? { maxCases } : {}),
    async load(net) {
      topology = net.topology;
      engine.sbChanged();
      await engine.ready();
    },
    async deliver(request) {
      return answerOf(await engine.trace(request, { network: topology! }));
    },
    async close() {
      await engine.close();
    },
  };
}
