// The engine interface: one trace request and the network to trace it on in, one result tree out
// (result/tree.ts), whatever engine answers; TraceResult (vocabulary.ts, re-exported here) is the
// API's rendering of that tree. Drops, missing routes, TTL expiry and port-security violations are
// results, never exceptions; only a request the topology cannot answer (unknown port, …) throws an
// OvncpError.

import type { IpAddr } from '../ovn/net/addr.ts';
import type { Topology } from '../ovn/topology/types.ts';
import type { TraceTree } from './result/tree.ts';
import type { EngineName, Protocol, TraceRequest } from './vocabulary.ts';

export type {
  AclMatch,
  AllowedBy,
  BackendOutcome,
  EngineName,
  Hop,
  HopAction,
  HopType,
  Protocol,
  RuleOwner,
  TraceRequest,
  TraceResult,
} from './vocabulary.ts';
export { HOP_TYPES, PROTOCOLS } from './vocabulary.ts';

/** A request with every field the pipeline needs filled in (by the user or from the topology). */
export interface ResolvedRequest {
  readonly sourcePort: string;
  /** The logical switch of the source port: the datapath the trace starts in. */
  readonly datapath: string;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly srcIp: IpAddr;
  readonly dstIp: IpAddr;
  readonly protocol: Protocol;
  readonly srcPortNum: number;
  readonly dstPortNum: number;
  readonly maxHops: number;
  readonly verbose: boolean;
  /** Names of the request fields that were auto-filled, with a sentence each. */
  readonly warnings: readonly string[];
  /** The logical port that owns destination_ip, when one does. */
  readonly destinationPort: string | null;
}

export interface TraceOptions {
  /**
   * The topology to trace on. Callers take it once (e.g. from the store after checking readiness) and
   * pass the same object to every trace that must agree; a derived topology (what-if) is just another
   * object. Engines keep nothing bound to one topology.
   */
  readonly network: Topology;
  readonly signal?: AbortSignal;
  /**
   * 'full' (default): every hop with its description. 'outcome': the model engine may skip building
   * intermediate hops (the shown branch then holds only the hop it was dropped at, if any) but the tree
   * still has the verdict, outputs, warnings, backends, visited, ACL decisions, a complete dropped hop
   * and the last hop's type. The ovn-trace engine ignores it.
   */
  readonly detail?: 'full' | 'outcome';
}

/** What every engine implements. */
export interface TraceEngine {
  readonly name: EngineName;
  trace(request: TraceRequest, options: TraceOptions): Promise<TraceTree>;
  close?(): Promise<void>;
}
