// Runs bin/ovncp-monitor as a real child process, and starts `serve` on a free loopback port.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const BIN = join(import.meta.dirname, '../../bin/ovncp-monitor');
const run = promisify(execFile);

export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  opts: { cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(BIN, args, { env: { ...process.env, ...env }, ...opts });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export interface ServeHandle {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly logs: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `serve` on 127.0.0.1:0 and resolves once it logs its address. */
export async function serve(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  startTimeoutMs = 30_000,
): Promise<ServeHandle> {
  const proc = spawn(BIN, ['serve', '--web.listen-address=127.0.0.1:0', '--log.format=json', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${logs}`)), startTimeoutMs);
    const onData = (b: Buffer) => {
      logs += b.toString();
      const m = /"address":"([^"]+)"/.exec(logs);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    };
    proc.stderr!.on('data', onData);
    proc.stdout!.on('data', (b: Buffer) => (logs += b.toString()));
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${logs}`));
    });
  });
  return {
    proc,
    url,
    logs: () => logs,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  };
}
