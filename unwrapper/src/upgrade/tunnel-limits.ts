/**
 * Admission limits: a global ceiling on tunnels (503, the instance is full: try another one) and
 * a ceiling per subject (429, this device opens too many). Slots are taken before the upstream
 * dial, so concurrent upgrades cannot overshoot, and released exactly once.
 */
import { UpgradeRefusal } from './refusal.ts';

export interface TunnelLimitsOptions {
  maxTunnels: number;
  maxTunnelsPerSubject: number;
  retryAfterSeconds: number;
}

export function createTunnelLimits(options: TunnelLimitsOptions) {
  let total = 0;
  const perSubject = new Map<string, number>();

  return {
    /** Takes a slot or throws an UpgradeRefusal; the returned function gives it back. */
    reserve(subject: string): () => void {
      if (total >= options.maxTunnels) {
        throw new UpgradeRefusal('global_limit', `over capacity: ${options.maxTunnels} tunnels`, {
          retryAfter: options.retryAfterSeconds,
        });
      }
      const mine = perSubject.get(subject) ?? 0;
      if (mine >= options.maxTunnelsPerSubject) {
        throw new UpgradeRefusal(
          'subject_limit',
          `subject already has ${mine} tunnels (limit ${options.maxTunnelsPerSubject})`,
          { retryAfter: options.retryAfterSeconds },
        );
      }
      total++;
      perSubject.set(subject, mine + 1);
      let released = false;
      return function release() {
        if (released) return;
        released = true;
        total--;
        const left = (perSubject.get(subject) ?? 1) - 1;
        if (left > 0) perSubject.set(subject, left);
        else perSubject.delete(subject);
      };
    },
    get total() {
      return total;
    },
    countFor(subject: string) {
      return perSubject.get(subject) ?? 0;
    },
  };
}

export type TunnelLimits = ReturnType<typeof createTunnelLimits>;
