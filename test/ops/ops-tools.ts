// Helpers of the operations-kit tests: finding and running the real tools (promtool, prometheus,
// kubectl, systemd-analyze), free loopback ports, and polling.

import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** Absolute path of an executable on PATH (or in /usr/sbin), or null. */
export function which(bin: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return join(dir, bin);
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}

/**
 * For `describe.skipIf(skipWithout([...]))` on tools that `npm test` installs (prometheus, promtool):
 * skips locally when missing, but under CI a missing tool is a failure, never a silent skip.
 */
export function skipWithout(bins: readonly string[]): boolean {
  const missing = bins.filter((b) => which(b) === null);
  if (missing.length === 0) return false;
  if (process.env.CI) throw new Error(`missing ${missing.join(', ')}; CI must install them (npm test does)`);
  return true;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (argv array, no shell) and returns its exit code and output. */
export function run(cmd: string, args: readonly string[], cwd?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = addr && typeof addr === 'object' ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Calls `probe` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${lastErr}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `http://127.0.0.1:1234` -> `127.0.0.1:1234` (a Prometheus scrape target). */
export function hostPort(url: string): string {
  return new URL(url).host;
}
