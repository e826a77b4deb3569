// Every process the ovn-trace engine spawns goes through here. execa's own `cleanup` is off: it hooks
// SIGTERM/SIGINT with signal-exit, which re-raises the signal when it is the last listener and so kills
// a daemon whose own handler has just removed itself (serve does that while shutting down). Instead we
// keep the live children in a set and kill them at process exit.

import { execa, type Options, type ResultPromise } from 'execa';

const running = new Set<{ kill: (signal?: NodeJS.Signals) => boolean }>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** execa without signal hooks; the child is killed when this process exits. */
export function run<O extends Options>(file: string, args: readonly string[], options: O): ResultPromise<O> {
  const p = execa(file, args, { ...options, cleanup: false } as O);
  running.add(p);
  const forget = () => running.delete(p);
  p.then(forget, forget);
  return p as unknown as ResultPromise<O>;
}
