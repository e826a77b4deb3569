// Watches a file for changes by watching its directory, not the file: editors replace files by rename
// and Kubernetes ConfigMaps swap a `..data` symlink, both of which a watch on the file itself misses.
// Events are debounced, and a change only counts when the file's content actually differs.

import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface FileWatch {
  close(): void;
}

function digest(file: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return null; // missing for a moment while being replaced: wait for the next event
  }
}

/** Calls `onChange` (debounced by `debounceMs`) whenever the content of `file` changes. */
export function watchFile(file: string, onChange: () => void, debounceMs = 50): FileWatch {
  const name = basename(file);
  let last = digest(file);
  let timer: NodeJS.Timeout | null = null;
  const check = () => {
    timer = null;
    const now = digest(file);
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
