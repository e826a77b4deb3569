// Sharding for users who outgrow one replica: each of M replicas keeps the paths whose name hashes to
// its shard number N (the kube-state-metrics scheme). FNV-1a is stable across versions and processes,
// so every replica agrees on the split without talking to the others.

import type { PathsConfig } from './paths-config.ts';

export interface Shard {
  readonly shard: number;
  readonly total: number;
}

export const NO_SHARDING: Shard = { shard: 0, total: 1 };

/** 32-bit FNV-1a of the UTF-8 bytes of `text`. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function ownsPath(name: string, s: Shard): boolean {
  return s.total <= 1 || fnv1a(name) % s.total === s.shard;
}

/** Validates --shard/--total-shards (both or neither). */
export function parseShard(shard: string | undefined, total: string | undefined): Shard {
  if (shard === undefined && total === undefined) return NO_SHARDING;
  const n = Number(shard ?? '0');
  const m = Number(total ?? '1');
  if (!Number.isInteger(m) || m < 1)
    throw new Error(`--total-shards must be a positive integer, got "${total}"`);
  if (!Number.isInteger(n) || n < 0 || n >= m)
    throw new Error(`--shard must be an integer in 0..${m - 1}, got "${shard}"`);
  return { shard: n, total: m };
}

export function shardConfig(config: PathsConfig, s: Shard): PathsConfig {
  if (s.total <= 1) return config;
  return { ...config, paths: config.paths.filter((p) => ownsPath(p.name, s)) };
}
