/**
 * The unwrapper's shutdown: report not-ready and refuse new upgrades (503), give tunnels a grace
 * period (Lumberjack-aware ones drain at a window boundary by themselves), close what is left with
 * 1001, then close the listeners. close() cuts a running grace period short, through an abort.
 */
import type { Server } from 'node:http';
import type { Logger } from '@beats-gate/kit';
import type { TunnelRegistry } from './tunnel/tunnel-registry.ts';

export interface ShutdownDeps {
  registry: TunnelRegistry;
  servers: () => Server[];
  /** Called once the tunnels are gone, before the listeners close. */
  stopping: () => void;
  drainAtWindowBoundary: boolean;
  shutdownGraceMs: number;
  closeTimeoutMs: number;
  logger: Logger;
  now: () => number;
}

export function createShutdown(deps: ShutdownDeps) {
  const { registry, logger, now } = deps;
  const grace = new AbortController();
  let draining = false;
  let drained: Promise<void> | undefined;

  async function shutdown(graceMs: number) {
    draining = true;
    logger.info({ event: 'drain_started', tunnels: registry.size, graceMs }, 'draining');
    // Lumberjack-aware tunnels close by themselves once their windows are acked (no duplicates);
    // byte tunnels, and any that cannot finish in time, are closed after the grace period.
    if (deps.drainAtWindowBoundary) {
      for (const tunnel of registry.list()) tunnel.drainAtWindowBoundary();
    }
    await registry.waitUntilEmpty(now() + graceMs, grace.signal);
    const remaining = registry.size;
    for (const tunnel of registry.list()) tunnel.shutdown();
    // Each tunnel is closed for good within closeTimeoutMs; the margin covers the close events.
    await registry.waitUntilEmpty(now() + deps.closeTimeoutMs + 500);
    deps.stopping();
    await Promise.all(
      deps.servers().map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server.listening) return resolve();
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    logger.info({ event: 'drain_finished', closedWithGoingAway: remaining }, 'drained');
  }

  /** Starts the shutdown with a grace period (once; later calls share it). */
  function drain(graceMs: number = deps.shutdownGraceMs): Promise<void> {
    drained ??= shutdown(graceMs);
    return drained;
  }

  return {
    drain,
    /** Immediate shutdown: no grace period, or a running one cut short. */
    close(): Promise<void> {
      const running = drain(0);
      grace.abort();
      return running;
    },
    get draining() {
      return draining;
    },
  };
}
