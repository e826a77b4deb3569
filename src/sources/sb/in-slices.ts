// Runs a step generator (a whole-SB conversion or compile, each step a few ms) in slices of the event
// loop: after about `sliceMs` of steps it gives the loop a turn (setImmediate, so pending I/O such as
// /-/healthy and OVSDB echo requests is served first), so a seconds-long job never stalls the daemon.

/** How long a slice keeps the event loop before giving a turn. */
export const SLICE_MS = 20;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The generator's result, its steps run in slices of about `sliceMs`; `onSlice` hears each slice's length. */
export async function runInSlices<T>(
  steps: Generator<void, T>,
  sliceMs = SLICE_MS,
  onSlice?: (ms: number) => void,
): Promise<T> {
  let start = performance.now();
  for (;;) {
    const r = steps.next();
    const now = performance.now();
    if (r.done) {
      onSlice?.(now - start);
      return r.value;
    }
    if (now - start >= sliceMs) {
      onSlice?.(now - start);
      await nextTurn();
      start = performance.now();
    }
  }
}
