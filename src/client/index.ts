// A small typed client for the trace API, exported as `ovncp-monitor/client` for scripts:
//   const c = new OvncpClient({ baseUrl: 'http://127.0.0.1:9477', token: process.env.OVNCP_TOKEN });
//   const r = await c.flow({ source_port: 'web-port', destination_ip: '10.0.2.10', protocol: 'tcp', destination_port_num: 3306 });
// API errors come back as OvncpApiError with the server's status, code and field.

import type { ServicesRequest, ServicesResponse } from '../analysis/allowed-services.ts';
import type { ConnectivityRequest, ConnectivityResult } from '../analysis/connectivity.ts';
import type { MultiPathRequest, MultiPathResult } from '../analysis/multi-path.ts';
import type { ReachersAnswer, ReachersRequest } from '../analysis/reachers.ts';
import type { TraceRequest, TraceResult } from '../engine/types.ts';
import type { Comparison } from '../monitor/what-if.ts';
import type { Change } from '../ovn/topology/edit/ops.ts';
import type { PortAddresses } from '../ovn/topology/port-addresses.ts';

/** The body of POST /api/v1/what-if. */
export interface WhatIfRequest {
  /** Typed ops (`{op: 'acl-add', …}`) or ovn-nbctl command lines (`{nbctl: "acl-add …"}`). */
  readonly changes: readonly Change[];
  /** Configured paths to compare (default: all). */
  readonly paths?: readonly string[];
  readonly traces?: readonly TraceRequest[];
  /** Also list the unchanged checks. */
  readonly all?: boolean;
}

/** The answer of POST /api/v1/what-if. */
export interface WhatIfResult extends Comparison {
  readonly engine_note: string;
  readonly changes: { index: number; nbctl: string | null; ops: Record<string, unknown>[] }[];
  readonly compile_ms: number;
  readonly duration_ms: number;
}

export type {
  ConnectivityRequest,
  ConnectivityResult,
  MultiPathRequest,
  MultiPathResult,
  PortAddresses,
  ReachersAnswer,
  ReachersRequest,
  ServicesRequest,
  ServicesResponse,
  TraceRequest,
  TraceResult,
};

export interface ClientOptions {
  /** e.g. `http://127.0.0.1:9477` (a trailing slash is fine). */
  readonly baseUrl: string;
  /** Bearer token, when the daemon has tokens configured. */
  readonly token?: string | undefined;
  /** Per-request timeout in milliseconds (default 60 s: above the server's 30 s trace deadline). */
  readonly timeoutMs?: number;
}

export class OvncpApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'OvncpApiError';
  }
}

export class OvncpClient {
  private readonly base: string;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  flow(req: TraceRequest): Promise<TraceResult> {
    return this.call('POST', '/api/v1/trace/flow', req);
  }

  simulate(req: TraceRequest): Promise<TraceResult> {
    return this.call('POST', '/api/v1/trace/simulate', req);
  }

  multiPath(req: MultiPathRequest): Promise<MultiPathResult> {
    return this.call('POST', '/api/v1/trace/multi-path', req);
  }

  connectivity(req: ConnectivityRequest): Promise<ConnectivityResult> {
    return this.call('POST', '/api/v1/trace/connectivity', req);
  }

  /** The exact TCP/UDP port ranges and ICMP a source reaches a destination on (open ranges only). */
  services(req: ServicesRequest): Promise<ServicesResponse> {
    return this.call('POST', '/api/v1/analysis/services', req);
  }

  /** Every source port that reaches a destination port on one service, grouped. */
  reachers(req: ReachersRequest): Promise<ReachersAnswer> {
    return this.call('POST', '/api/v1/analysis/reachers', req);
  }

  /** POST /api/v1/what-if: verdicts before and after proposed NB changes (model engine). */
  whatIf(req: WhatIfRequest): Promise<WhatIfResult> {
    return this.call('POST', '/api/v1/what-if', req);
  }

  portAddresses(port: string): Promise<PortAddresses> {
    return this.call('GET', `/api/v1/trace/ports/${encodeURIComponent(port)}/addresses`);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 60_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new OvncpApiError(res.status, 'OVNCP_ERR_BAD_RESPONSE', `${res.status}: ${text.slice(0, 200)}`);
    }
    if (res.ok) return json as T;
    const e = (json as { error?: { code?: string; message?: string; field?: string } }).error ?? {};
    throw new OvncpApiError(
      res.status,
      e.code ?? 'OVNCP_ERR_UNKNOWN',
      e.message ?? `HTTP ${res.status}`,
      e.field,
    );
  }
}
