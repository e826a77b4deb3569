// A tiny JSON-RPC 1.0 client for an OVS/OVN daemon's unixctl socket (what ovs-appctl speaks).
// Requests are `{"id":N,"method":M,"params":[strings]}`; replies `{"id":N,"result":…,"error":…}` arrive
// back to back with no delimiter, so the reader splits the stream at balanced top-level objects.

import { connect, type Socket } from 'node:net';

/** Splits a stream of concatenated JSON objects; feed() returns the complete ones seen so far. */
export class JsonStreamSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private scanned = 0;

  feed(chunk: string): unknown[] {
    this.buf += chunk;
    const out: unknown[] = [];
    let start = 0;
    for (let i = this.scanned; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) {
          out.push(JSON.parse(this.buf.slice(start, i + 1)));
          start = i + 1;
        }
      } else if (this.depth === 0 && /\s/.test(c ?? '')) start = i + 1;
    }
    this.buf = this.buf.slice(start);
    this.scanned = this.buf.length;
    return out;
  }
}

interface Pending {
  resolve(v: { result: unknown; error: unknown }): void;
  reject(e: Error): void;
}

/** One connection to a unixctl socket; requests may be pipelined, replies are matched by id. */
export class UnixctlClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | null = null;

  private constructor(private readonly socket: Socket) {
    const splitter = new JsonStreamSplitter();
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      try {
        for (const msg of splitter.feed(d))
          this.deliver(msg as { id?: unknown; result?: unknown; error?: unknown });
      } catch (err) {
        socket.destroy(err as Error);
      }
    });
    socket.on('close', () => this.failAll(new Error('unixctl connection closed')));
    socket.on('error', (err) => this.failAll(err));
  }

  static connect(path: string, timeoutMs = 5000): Promise<UnixctlClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      const timer = setTimeout(() => s.destroy(new Error(`connect to ${path} timed out`)), timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(new UnixctlClient(s));
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private deliver(msg: { id?: unknown; result?: unknown; error?: unknown }): void {
    const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id as number);
    p.resolve({ result: msg.result ?? null, error: msg.error ?? null });
  }

  private failAll(err: Error): void {
    this.closedError ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Sends one command; resolves with its result and error fields (both as the daemon sent them). */
  call(method: string, params: readonly string[]): Promise<{ result: unknown; error: unknown }> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.failAll(new Error('unixctl client closed'));
    this.socket.destroy();
  }
}
