/**
 * The live tunnels of one unwrapper: who is open, which ones an admin call selects, and a wait
 * until none is left that a deadline or an abort ends (the shutdown's grace period).
 */
import type { TunnelSelector } from '../admin/close-tunnels-route.ts';
import type { Tunnel } from './tunnel.ts';

export function createTunnelRegistry(now: () => number) {
  const tunnels = new Set<Tunnel>();
  const waiters = new Set<() => void>();

  return {
    add(tunnel: Tunnel) {
      tunnels.add(tunnel);
    },
    delete(tunnel: Tunnel) {
      tunnels.delete(tunnel);
      for (const wake of waiters) wake();
    },
    get size() {
      return tunnels.size;
    },
    list(): Tunnel[] {
      return [...tunnels];
    },
    select(selector: TunnelSelector): Tunnel[] {
      return [...tunnels].filter((tunnel) =>
        'subject' in selector
          ? tunnel.identity.subject === selector.subject
          : tunnel.identity.connectionId === selector.connectionId,
      );
    },
    /** Resolves once no tunnel is left, at `deadline` (ms since the epoch), or when `signal` aborts. */
    waitUntilEmpty(deadline: number, signal?: AbortSignal): Promise<void> {
      return new Promise((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
          signal?.removeEventListener('abort', finish);
          resolve();
        };
        const check = () => {
          if (tunnels.size === 0) finish();
        };
        // The timer ends the wait whatever the clock says (timers may fire a little early).
        const timer = setTimeout(finish, Math.max(0, deadline - now()));
        waiters.add(check);
        signal?.addEventListener('abort', finish, { once: true });
        if (signal?.aborted) finish();
        check();
      });
    },
  };
}

export type TunnelRegistry = ReturnType<typeof createTunnelRegistry>;
