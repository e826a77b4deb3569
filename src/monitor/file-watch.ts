// Watches a file for changes by watching its directory, not the file: editors replace files by rename
// and Kubernetes ConfigMaps swap a `..data` symlink, both of which a watch on the file itself misses.
// Events are debounced, and a change only counts when the file's identity, size or time changed. The
// content is not read here, on the main thread: the loader compares digests off it (load-job.ts), so
// an identical rewrite is still a no-op.

import { type FSWatcher, statSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface FileWatch {
  close(): void;
}

/** What a replacement or an edit changes (a ConfigMap swap gives a new inode through the symlink). */
function signature(file: string): string | null {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return null; // missing for a moment while being replaced: wait for the next event
  }
}

/** Calls `onChange` (debounced by `debounceMs`) whenever `file` is replaced or written. */
export function watchFile(file: string, onChange: () => void, debounceMs = 50): FileWatch {
  const name = basename(file);
  let last = signature(file);
  let timer: NodeJS.Timeout | null = null;
  const check = () => {
    timer = null;
    const now = signature(file);
    if (now === null || now === last) return;
    last = now;
    onChange();
  };
  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
    // `..data` is the ConfigMap symlink; a null name means the platform could not tell.
    if (changed !== null && changed !== name && changed !== '..data' && !String(changed).startsWith('..'))
      return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, debounceMs);
  });
  watcher.on('error', () => {}); // directory gone: nothing more to watch, the daemon keeps its config
  return {
    close() {
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}
