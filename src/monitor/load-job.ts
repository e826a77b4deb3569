// Loading a watched file (the paths file or a snapshot file) as one job with a plain-data answer, so
// it can run in a worker thread (load-worker.ts) while the daemon keeps answering, or in-line at start.
// The job reads at most the size limit, answers "unchanged" when the content's digest is the one in
// use, and for a paths file applies the shard and refuses a file over max_checks before expansion.

import { createHash } from 'node:crypto';
import { readBoundedText } from '../config/yaml-file.ts';
import type { Topology } from '../ovn/topology/types.ts';
import { loadTopologyText } from '../sources/file.ts';
import { checksBeforeGroups, type PathsConfig, parsePathsText } from './paths-config.ts';
import { type Shard, shardConfig } from './shard.ts';

interface JobBase {
  readonly file: string;
  readonly maxBytes: number;
  /** SHA-256 (hex) of the content in use; the same content again is answered "unchanged". */
  readonly previousDigest: string | null;
}

export type LoadJob =
  | (JobBase & { readonly kind: 'paths'; readonly shard: Shard })
  | (JobBase & { readonly kind: 'topology' });

export type LoadAnswer<T> =
  | { readonly kind: 'unchanged'; readonly digest: string }
  | { readonly kind: 'loaded'; readonly value: T; readonly digest: string }
  | { readonly kind: 'failed'; readonly error: string };

function loadPaths(file: string, text: string, shard: Shard): PathsConfig {
  const config = shardConfig(parsePathsText(file, text), shard);
  const n = checksBeforeGroups(config);
  if (n > config.maxChecks)
    throw new Error(
      `${file}: ${n} checks before any group is expanded, over max_checks (${config.maxChecks}); raise max_checks or remove paths`,
    );
  return config;
}

export function runLoadJob(job: LoadJob & { kind: 'paths' }): LoadAnswer<PathsConfig>;
export function runLoadJob(job: LoadJob & { kind: 'topology' }): LoadAnswer<Topology>;
export function runLoadJob(job: LoadJob): LoadAnswer<PathsConfig | Topology>;
export function runLoadJob(job: LoadJob): LoadAnswer<PathsConfig | Topology> {
  const setting = job.kind === 'paths' ? 'limits.paths_file' : 'limits.topology_file';
  const read = readBoundedText(job.file, job.maxBytes, setting);
  if (!read.ok) return { kind: 'failed', error: read.error };
  const digest = createHash('sha256').update(read.text).digest('hex');
  if (digest === job.previousDigest) return { kind: 'unchanged', digest };
  try {
    const value =
      job.kind === 'paths'
        ? loadPaths(job.file, read.text, job.shard)
        : loadTopologyText(job.file, read.text, { kind: 'file', name: job.file });
    return { kind: 'loaded', value, digest };
  } catch (err) {
    return { kind: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
}
