/**
 * Loaded into every part of the local stack with `node --import` (see processes.ts): the part's
 * end of its link to the process that started it, an IPC channel.
 *
 * The channel closes when that process is gone, however it went (SIGKILL included, which no
 * handler sees). The part then stops itself the way SIGTERM stops it; if that takes longer than
 * the grace period, its whole process group (the part is the group's leader, so workerd or a
 * token command it started goes too) is killed. A part of the local stack never outlives it.
 */
const ORPHAN_GRACE_MS = 5000;

if (process.channel) {
  // The link must not keep a part alive that is done, nor make a clean exit wait.
  process.channel.unref();
  process.once('disconnect', function parentGone() {
    setTimeout(() => process.kill(-process.pid, 'SIGKILL'), ORPHAN_GRACE_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  });
}
