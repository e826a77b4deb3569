// Per-user token buckets for the trace API (default 10 requests/s, burst 50). A bucket holds up to
// `burst` tokens and refills continuously at `rate` per second; each request takes one token.
// @fastify/rate-limit's local store counts in fixed windows, which would allow 2×burst around a
// window edge, hence our own few lines.

export interface RateLimitSettings {
  /** Tokens added per second. */
  readonly rate: number;
  /** Bucket size: the most requests allowed at once after a quiet period. */
  readonly burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = { rate: 10, burst: 50 };

export interface TakeResult {
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Seconds until the next token (when refused: until this request would be allowed). */
  readonly retryAfterSeconds: number;
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(
    readonly settings: RateLimitSettings = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(key: string): TakeResult {
    const t = this.now();
    this.sweep(t);
    const { rate, burst } = this.settings;
    const b = this.buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
    b.at = t;
    this.buckets.set(key, b);
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    const missing = allowed ? Math.max(0, 1 - b.tokens) : 1 - b.tokens;
    return {
      allowed,
      remaining: Math.floor(b.tokens),
      retryAfterSeconds: Math.max(1, Math.ceil(missing / rate)),
      resetSeconds: Math.ceil((burst - b.tokens) / rate),
    };
  }

  /** Drops buckets that have refilled completely, so idle clients cost no memory. */
  private sweep(t: number): void {
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    const { rate, burst } = this.settings;
    for (const [k, b] of this.buckets)
      if (b.tokens + ((t - b.at) / 1000) * rate >= burst) this.buckets.delete(k);
  }
}
