/**
 * Loaded into every part of the local stack with `node --import` (see processes.ts): the part's
 * end of its link to the process that started it, an IPC channel. It does two things.
 *
 * It reports each port a Node server of the part has bound, so that `ready` means this part
 * listens, not that something answers on the port.
 *
 * It stops the part when the link closes: that process is gone, however it went (SIGKILL
 * included, which no handler sees). The part stops itself the way SIGTERM stops it; if that takes
 * longer than the grace period, its whole process group (the part is the group's leader, so
 * workerd or a token command it started goes too) is killed. A part never outlives the stack.
 */
import { subscribe } from 'node:diagnostics_channel';
import type { AddressInfo, Server } from 'node:net';
import type { ListeningReport } from './processes.ts';

const ORPHAN_GRACE_MS = 5000;

if (process.channel) {
  // The link must not keep a part alive that is done, nor make a clean exit wait.
  process.channel.unref();
  process.once('disconnect', function parentGone() {
    setTimeout(() => process.kill(-process.pid, 'SIGKILL'), ORPHAN_GRACE_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  });
  // Published by net.Server#listen once the port is bound, whatever the service logs.
  subscribe('tracing:net.server.listen:asyncEnd', function serverListening(message) {
    const address = (message as { server: Server }).server.address() as AddressInfo | null;
    if (!address || typeof address !== 'object' || !process.connected) return;
    const report: ListeningReport = {
      event: 'listening',
      address: address.address,
      port: address.port,
    };
    process.send?.(report);
  });
}
