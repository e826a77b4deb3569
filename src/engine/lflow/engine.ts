// The lflow engine: traces on the Southbound's own logical flows, interpreted in-process (execute.ts)
// on a CompiledSb that its owner keeps current (a loaded SB file, or a live follower calling apply). The
// request is resolved on the NB topology like every engine's (resolve.ts); the packet then starts in the
// SB datapath of the source port's switch. No SB yet is an OvncpError, never an empty result.

import { OvncpError } from '../../errors.ts';
import { CT, cloneFlow } from '../../ovn/expr/index.ts';
import { releaseOfSbSchema } from '../../ovn/topology/ovn-releases.ts';
import { initialFlow } from '../model/packet.ts';
import { ovnBehaviour } from '../ovn-version.ts';
import { resolveRequest } from '../resolve.ts';
import type { TraceTree } from '../result/tree.ts';
import type { TraceEngine, TraceOptions, TraceRequest } from '../types.ts';
import type { CompiledSb } from './compile.ts';
import { Run } from './execute.ts';
import { newPkt } from './packet.ts';
import { rawText } from './raw-text.ts';
import { buildTree } from './result.ts';
import { type Leaf, NO_PORT } from './steps.ts';

/** Conntrack state at every ct step: a first packet (default), an established one, or a reply. */
export type CtMode = 'new' | 'est' | 'rpl';

const CT_STATES: Record<CtMode, number> = {
  new: CT.new | CT.trk,
  est: CT.est | CT.trk,
  rpl: CT.est | CT.rpl | CT.trk,
};

/** Loop guard: table visits per trace (a routed trace visits ~60; floods a few hundred). */
export const MAX_TABLE_VISITS = 20_000;

export interface LflowEngineOptions {
  /** The current compiled SB, or null while there is none (yet). */
  readonly sb: () => CompiledSb | null;
  readonly ct?: CtMode;
}

export class LflowEngine implements TraceEngine {
  readonly name = 'lflow' as const;

  constructor(private readonly opts: LflowEngineOptions) {}

  async trace(request: TraceRequest, options: TraceOptions): Promise<TraceTree> {
    return this.traceSync(request, options);
  }

  /** The same trace without a promise (benchmarks, batch checks). */
  traceSync(request: TraceRequest, options: TraceOptions): TraceTree {
    const sb = this.opts.sb();
    if (!sb) throw new OvncpError('OVNCP_ERR_NOT_READY', 'lflow engine: no Southbound database loaded yet');
    const resolved = resolveRequest(options.network, request);
    const dp = sb.datapathsByName.get(resolved.datapath);
    const port = sb.ports.get(resolved.sourcePort);
    if (!dp || !port || port.dp !== dp.uuid)
      throw new OvncpError(
        'OVNCP_ERR_UNRESOLVABLE',
        `source port ${resolved.sourcePort} on ${resolved.datapath} is not in the Southbound database (yet)`,
        { field: 'source_port' },
      );
    // One object shape for every packet of every trace (cloneFlow's), so the compiled matches stay monomorphic.
    // The inport as the port's own string: the hops look it up by identity (CompiledSb.portName).
    const f = cloneFlow({
      ...initialFlow(resolved),
      inport: port.name,
      outport: NO_PORT,
      regs: new Uint32Array(16),
    });
    const run = new Run(sb, {
      ctState: CT_STATES[this.opts.ct ?? 'new'],
      maxSteps: MAX_TABLE_VISITS,
      ctFields: traceCtFields(sb),
      notes: resolved.verbose,
    });
    run.table(dp, newPkt(f), 0, 'ingress');
    const input = {
      request,
      resolved,
      topology: options.network,
      leaves: run.leaves,
      warnings: [...run.warnings, ...templateWarnings(sb, run.leaves)],
    };
    return buildTree(input, resolved.verbose ? rawText(dp.name, resolved.sourcePort, run.leaves) : null);
  }
}

/** How the ovn-trace of the release that wrote the SB treats conntrack fields (its SB schema says). */
function traceCtFields(sb: CompiledSb): boolean {
  const schema = sb.db.schemaVersion;
  let v = ctFieldsBySchema.get(schema);
  if (v === undefined) {
    const release = releaseOfSbSchema(schema);
    ctFieldsBySchema.set(schema, (v = release !== null && ovnBehaviour(release).traceCtFields));
  }
  return v;
}
const ctFieldsBySchema = new Map<string, boolean>();

/**
 * One warning per hop the trace passed where flows were ignored for want of template variable values
 * (templates.ts): the variables, the stage and the datapath.
 */
function templateWarnings(sb: CompiledSb, leaves: readonly Leaf[]): string[] {
  const gaps = sb.templateGaps();
  if (gaps.size === 0) return [];
  const out = new Set<string>();
  for (const leaf of leaves)
    for (const st of leaf.steps) {
      const names = gaps.get(`${st.dp.uuid}|${st.pipeline}|${st.table}`);
      if (names)
        out.add(
          `template variable${names.length > 1 ? 's' : ''} ${names.map((n) => `^${n}`).join(', ')} without a value (ovn-trace has none; a chassis the trace runs as may lack it too): flows naming ${names.length > 1 ? 'them' : 'it'} were ignored at ${st.stage} on ${st.dp.name}`,
        );
    }
  return [...out];
}

export function createLflowEngine(opts: LflowEngineOptions): LflowEngine {
  return new LflowEngine(opts);
}
