/**
 * The drill's two sizes: the full drill, with the shipped alert durations, and the short form that
 * CI runs (tests/drill-short.test.ts) with the same code, fewer devices and every `for` scaled.
 */
import type { DrillOptions } from './drill.ts';

export type DrillSizes = Omit<DrillOptions, 'rulesPath' | 'log'>;

export const SIZES: Record<'full' | 'short', DrillSizes> = {
  full: {
    unwrappers: 3,
    receivers: 2,
    deviceGroups: 4,
    devicesPerGroup: 25,
    ratePerSecond: 20,
    batchSize: 50,
    pipelining: 2,
    forScale: 1,
    scrapeSeconds: 2,
    shutdownGraceMs: 20_000,
    checkIntervalMs: 1000,
    quietSeconds: 20,
    settleLimitMs: 90_000,
  },
  short: {
    unwrappers: 3,
    receivers: 2,
    deviceGroups: 2,
    devicesPerGroup: 6,
    ratePerSecond: 50,
    batchSize: 25,
    pipelining: 2,
    forScale: 1 / 20,
    scrapeSeconds: 1,
    shutdownGraceMs: 5000,
    checkIntervalMs: 500,
    quietSeconds: 3,
    settleLimitMs: 45_000,
  },
};
