// The engines the conformance harness compares with the oracle: the model (compiled once per network,
// traced in-process), the ovn-trace engine (our parser and result builder over a daemon of the bed's
// own ovn-trace, run inside the bed's chroot for 25.03/26.03) and the lflow engine (the bed's SB, read
// once per network after northd wrote it). The lflow engine is also an oracle: the fast judge of the
// model (`--oracle lflow`). Another engine adds a factory here.

import { type CompiledSb, type CompileSbOptions, compileSb } from '../../src/engine/lflow/compile.ts';
import { createLflowEngine } from '../../src/engine/lflow/index.ts';
import { compileNetwork, traceResolved } from '../../src/engine/model/index.ts';
import { createOvnTraceEngine, type OvnTraceEngine } from '../../src/engine/ovn-trace/engine.ts';
import { summaryOf } from '../../src/engine/result/summary.ts';
import type { TraceTree } from '../../src/engine/result/tree.ts';
import type { SbDatabase } from '../../src/ovn/sb/types.ts';
import type { Topology } from '../../src/ovn/topology/types.ts';
import { readSbOnce } from '../../src/sources/sb/read-sb.ts';
import type { OvnTestbed } from '../helpers/ovn-testbed.ts';
import type { ConformanceEngine, ConformanceOracle, EngineAnswer, LoadedNetwork } from './run-conformance.ts';

function answerOf(tree: TraceTree): EngineAnswer {
  return {
    ports: [...tree.outputPorts].sort(),
    summary: summaryOf(tree),
    dropStage: tree.shown.dropped?.stage ?? null,
    truncated: tree.truncated,
  };
}

/**
 * The model. It knows no order among overlapping flows of one priority (ovn-trace takes them in its
 * row map's order, which follows the rows' UUIDs: idl-order.ts), so a case it disagrees on is set aside
 * when the lflow engine on the bed's SB answers otherwise with that order reversed, and then answers
 * as the model did.
 */
export function modelConformanceEngine(): ConformanceEngine {
  let net: ReturnType<typeof compileNetwork> | null = null;
  let loaded: LoadedNetwork | null = null;
  let probes: Promise<{
    usual: ReturnType<typeof lflowOnBed>;
    reversed: ReturnType<typeof lflowOnBed>;
  }> | null = null;
  const sameAnswer = (a: EngineAnswer, b: EngineAnswer) =>
    a.ports.join(',') === b.ports.join(',') && (a.ports.length > 0 || a.dropStage === b.dropStage);
  return {
    name: 'model',
    async load(n) {
      net = compileNetwork(n.topology);
      loaded = n;
      probes = null;
    },
    async deliver(request, resolved) {
      return answerOf(traceResolved(net!, request, resolved));
    },
    async orderDependent(request, _resolved, got) {
      probes ??= (async (n) => {
        const usual = lflowOnBed();
        const reversed = lflowOnBed({ tieOrder: 'reversed' });
        const db = await readSbOnce(n.tb.sbRemote, undefined); // one read, two compiles
        usual.loadFrom(db, n.topology);
        reversed.loadFrom(db, n.topology);
        return { usual, reversed };
      })(loaded!);
      const { usual, reversed } = await probes;
      const other = reversed.answer(request);
      return sameAnswer(other, got) && !sameAnswer(other, usual.answer(request));
    },
    async close() {
      net = null;
      loaded = null;
      probes = null;
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

/** The lflow engine on the bed's SB as read after each network's load (the SB northd wrote for it). */
function lflowOnBed(opts: CompileSbOptions = {}) {
  let sb: CompiledSb | null = null;
  let topology: Topology | null = null;
  const engine = createLflowEngine({ sb: () => sb });
  const loadFrom = (db: SbDatabase, network: Topology) => {
    sb = compileSb(db, opts);
    topology = network;
  };
  return {
    async load(net: LoadedNetwork) {
      loadFrom(await readSbOnce(net.tb.sbRemote, undefined), net.topology);
    },
    loadFrom,
    answer(request: Parameters<typeof engine.traceSync>[0]): EngineAnswer {
      return answerOf(engine.traceSync(request, { network: topology! }));
    },
    close() {
      sb = null;
      topology = null;
    },
  };
}

/** The lflow engine under test: judged on delivered ports and, when both drop, the dropping stage. */
export function lflowConformanceEngine(maxCases?: number): ConformanceEngine {
  const lf = lflowOnBed();
  return {
    name: 'lflow',
    stages: true,
    ...(maxCases !== undefined ? { maxCases } : {}),
    load: (net) => lf.load(net),
    async deliver(request) {
      return lf.answer(request);
    },
    async close() {
      lf.close();
    },
  };
}

/**
 * The lflow engine as the judge (issue 15: "the model is also checked against the lflow engine on
 * every generated network"): no ovn-trace process per network, so many cases per network cost little.
 */
export function lflowOracle(): ConformanceOracle {
  const lf = lflowOnBed();
  return {
    name: 'lflow',
    load: (net) => lf.load(net),
    async ports(request) {
      return lf.answer(request).ports;
    },
    async dropStages(request) {
      const s = lf.answer(request).dropStage;
      return s ? new Set([s]) : null;
    },
    async stop() {
      lf.close();
    },
  };
}
