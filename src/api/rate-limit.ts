// Token buckets: per user for the trace API (default 10 requests/s, burst 50), per client address for
// failed authentications, one for reloads. A bucket holds up to
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

/**
 * Failed authentications allowed per client address: 10 at once, then one every 6 s. Past that, the
 * address gets 429 for every request that needs a token, so guessing costs minutes, not microseconds.
 */
export const DEFAULT_AUTH_FAILURE_LIMIT: RateLimitSettings = { rate: 1 / 6, burst: 10 };

/** POST /-/reload for everyone together: 3 at once, then one every 10 s (each reload parses a file). */
export const DEFAULT_RELOAD_LIMIT: RateLimitSettings = { rate: 0.1, burst: 3 };

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
    const b = this.refill(key);
    const { rate, burst } = this.settings;
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

  /** Seconds until `key` has a whole token again: 0 when a take() would be allowed now. Takes nothing. */
  waitSeconds(key: string): number {
    const b = this.refill(key);
    return b.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.settings.rate));
  }

  private refill(key: string): Bucket {
    const t = this.now();
    this.sweep(t);
    const { rate, burst } = this.settings;
    const b = this.buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
    b.at = t;
    this.buckets.set(key, b);
    return b;
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
