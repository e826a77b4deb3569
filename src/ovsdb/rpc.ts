// One JSON-RPC 1.0 session over a byte stream, as OVSDB speaks it: numbered requests with timeouts,
// notifications to a handler, the server's `echo` answered, and our own inactivity probe (an `echo` after
// a quiet interval; no answer within another interval closes the session). A message bigger than
// BIG_MESSAGE_BYTES is decoded in slices of about SLICE_MS with a turn of the event loop between them
// (issue 18 item 5); messages are still dispatched strictly in the order they arrived.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { OvncpError } from '../errors.ts';
import { type Frame, JsonStreamParser } from './json-stream.ts';

/** An error the server answered a request with (`error` member of the reply). */
export class OvsdbRpcError extends OvncpError {
  /** The server's error string, e.g. "unknown method". */
  readonly rpcError: string;
  constructor(method: string, rpcError: string, details?: string) {
    super('OVNCP_ERR_OVSDB', `${method}: ${rpcError}${details ? ` (${details})` : ''}`);
    this.rpcError = rpcError;
  }
}

/** Messages above this size are decoded in slices (smaller ones take well under a millisecond). */
const BIG_MESSAGE_BYTES = 256 * 1024;

/** How long one slice of decoding may keep the event loop. */
export const SLICE_MS = 10;

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs `steps` to its end, giving the event loop a turn whenever a slice of `sliceMs` is used up;
 * returns synchronously (no promise) when it finishes within the first slice.
 */
export function runInSlices<T>(steps: Generator<void, T>, sliceMs = SLICE_MS): T | Promise<T> {
  const start = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - start >= sliceMs) return finishInSlices(steps, sliceMs);
  }
}

async function finishInSlices<T>(steps: Generator<void, T>, sliceMs: number): Promise<T> {
  for (;;) {
    await nextTurn();
    const start = performance.now();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() - start >= sliceMs) break;
    }
  }
}

export interface RpcOptions {
  /** Reply timeout of a request (ms). */
  readonly requestTimeoutMs?: number;
  /** Quiet time before we probe the peer with `echo` (ms); 0 disables probing. */
  readonly probeIntervalMs?: number;
}

interface Pending {
  readonly method: string;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type Message = { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };

export class RpcSession extends EventEmitter<{
  notification: [method: string, params: unknown[]];
  close: [reason: Error];
}> {
  private readonly parser = new JsonStreamParser(1 << 30, BIG_MESSAGE_BYTES);
  /** Frames waiting behind a big message being decoded (dispatch keeps arrival order). */
  private queue: Frame[] = [];
  private draining = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private heardSince = true;
  private probing = false;
  private readonly probeTimer: NodeJS.Timeout | null;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly socket: Duplex,
    opts: RpcOptions = {},
  ) {
    super();
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 60_000;
    const probe = opts.probeIntervalMs ?? 5_000;
    this.probeTimer = probe > 0 ? setInterval(() => this.probe(probe), probe) : null;
    this.probeTimer?.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.close(err));
    socket.on('close', () => this.close(new Error('connection closed by peer')));
  }

  isClosed(): boolean {
    return this.closed;
  }

  /** True while received messages wait to be decoded or dispatched (a big one is being decoded). */
  busy(): boolean {
    return this.draining;
  }

  request(method: string, params: unknown[], timeoutMs = this.requestTimeoutMs): Promise<unknown> {
    if (this.closed) return Promise.reject(new OvncpError('OVNCP_ERR_OVSDB', `${method}: not connected`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new OvncpError('OVNCP_ERR_OVSDB', `${method}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      this.send({ id, method, params });
    });
  }

  /** Ends the session; pending requests fail with `reason`. Idempotent. */
  close(reason: Error = new Error('closed')): void {
    if (this.closed) return;
    this.closed = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.socket.destroy();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new OvncpError('OVNCP_ERR_OVSDB', `${p.method}: ${reason.message}`, { cause: reason }));
    }
    this.pending.clear();
    this.emit('close', reason);
  }

  private send(msg: object): void {
    if (!this.closed) this.socket.write(JSON.stringify(msg));
  }

  private probe(intervalMs: number): void {
    if (this.heardSince) {
      this.heardSince = false;
      return;
    }
    if (this.probing) return;
    this.probing = true;
    this.request('echo', [], intervalMs).then(
      () => (this.probing = false),
      () => this.close(new Error(`no answer to inactivity probe within ${intervalMs} ms`)),
    );
  }

  private onData(chunk: Buffer): void {
    this.heardSince = true;
    let frames: Frame[];
    try {
      frames = this.parser.pushFrames(chunk);
    } catch (err) {
      this.close(err as Error);
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      if (!this.draining && 'value' in f) this.dispatch(f.value as Message);
      else this.queue.push(f);
    }
    if (this.queue.length > 0 && !this.draining) void this.drain();
  }

  /** Dispatches the queued frames in order, decoding big ones in slices. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const f = this.queue.shift()!;
        const v = 'value' in f ? f.value : await runInSlices(f.big.parse());
        if (!this.closed) this.dispatch(v as Message);
      }
    } catch (err) {
      this.close(err as Error);
    } finally {
      this.queue = [];
      this.draining = false;
    }
  }

  private dispatch(msg: Message): void {
    if (typeof msg.method === 'string') {
      const params = Array.isArray(msg.params) ? msg.params : [];
      if (msg.id === null || msg.id === undefined) this.emit('notification', msg.method, params);
      else if (msg.method === 'echo') this.send({ id: msg.id, result: params, error: null });
      else this.send({ id: msg.id, result: null, error: 'unknown method' });
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.error !== null && msg.error !== undefined) {
      const e = msg.error as { error?: string; details?: string } | string;
      if (typeof e === 'string') p.reject(new OvsdbRpcError(p.method, e));
      else p.reject(new OvsdbRpcError(p.method, String(e.error ?? 'error'), e.details));
    } else p.resolve(msg.result);
  }
}
