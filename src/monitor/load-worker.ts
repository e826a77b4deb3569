// Runs a load job (load-job.ts) so that the daemon keeps answering: the YAML library parses
// synchronously, at ~0.6 s and ~60 MB per MB of file. A small file (the usual case) is loaded in-line,
// within a few tens of milliseconds; a bigger one in a worker thread of its own, so /-/healthy and the
// API keep answering meanwhile, a parse that needs more than its heap limit ends the worker, not the
// daemon, and the whole heap is given back when the job ends. (A thread costs ~1 s to start: the
// TypeScript loader; that is small next to parsing a file big enough to need one.)

import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Topology } from '../ovn/topology/types.ts';
import { type LoadAnswer, type LoadJob, runLoadJob } from './load-job.ts';
import type { PathsConfig } from './paths-config.ts';

const ENTRY = new URL('./load-worker-entry.mjs', import.meta.url);

/** Files up to this size are parsed on the main thread: ~45 ms measured here, 64 KiB took 125 ms. */
export const INLINE_MAX_BYTES = 16 * 1024;

type Answer = LoadAnswer<PathsConfig | Topology>;

/** Loads `job` in-line when the file is small, else in a worker thread with a `heapBytes` heap limit. */
export function runLoad(
  job: LoadJob & { kind: 'paths' },
  heapBytes: number,
): Promise<LoadAnswer<PathsConfig>>;
export function runLoad(
  job: LoadJob & { kind: 'topology' },
  heapBytes: number,
): Promise<LoadAnswer<Topology>>;
export async function runLoad(job: LoadJob, heapBytes: number): Promise<Answer> {
  let size: number;
  try {
    size = statSync(job.file).size;
  } catch {
    size = 0; // let the job itself report the missing file
  }
  return size <= INLINE_MAX_BYTES ? runLoadJob(job) : inWorker(job, heapBytes);
}

function inWorker(job: LoadJob, heapBytes: number): Promise<Answer> {
  const heapMb = Math.max(64, Math.floor(heapBytes / (1024 * 1024)));
  return new Promise<Answer>((resolve) => {
    let answered = false;
    const answer = (a: Answer) => {
      if (answered) return;
      answered = true;
      resolve(a);
    };
    let worker: Worker;
    try {
      worker = new Worker(ENTRY, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    } catch (err) {
      return answer({ kind: 'failed', error: `${job.file}: cannot start a load worker: ${String(err)}` });
    }
    worker.once('message', (a: Answer) => {
      answer(a);
      void worker.terminate();
    });
    worker.once('error', (err: Error & { code?: string }) =>
      answer({
        kind: 'failed',
        error:
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `${job.file}: parsing needed more than ${heapMb} MiB of memory (limits.parse_memory); not loaded`
            : `${job.file}: cannot load: ${err.message}`,
      }),
    );
    worker.once('exit', (code) =>
      answer({ kind: 'failed', error: `${job.file}: load worker exited (code ${code}) without an answer` }),
    );
  });
}
