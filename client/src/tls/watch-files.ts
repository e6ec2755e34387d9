/**
 * Calls `onChange` shortly after anything changes in the directories of `files`. Directories, not
 * the files: renewal tools replace a certificate by renaming a new file over it (and Kubernetes
 * swaps a symlinked directory), which a watch on the old file would never see. Any change in the
 * directory counts; the caller compares contents, so an unrelated file costs one re-read.
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';

/** Waits for a burst of writes (certificate, then key) to end before reading them. */
const SETTLE_MS = 200;

export function watchFiles(files: readonly string[], onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, SETTLE_MS);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const directory of new Set(files.map((file) => dirname(file)))) {
    const watcher = watch(directory, { persistent: false }, changed);
    // A directory that disappears ends its watch; the files are then gone too, and the next
    // start says so. The served certificate stays in use meanwhile.
    watcher.on('error', () => watcher.close());
    watchers.push(watcher);
  }
  return function stopWatching() {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
