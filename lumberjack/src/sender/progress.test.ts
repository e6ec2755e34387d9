import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgressReporter, formatProgress, type Progress } from './progress.ts';
import type { SendResult } from './types.ts';

function run() {
  let now: SendResult | undefined;
  const reports: Progress[] = [];
  const reporter = createProgressReporter({
    total: 100_000,
    read: () => now,
    report: (p) => reports.push(p),
    intervalMs: 60_000, // never fires during the test: ticks are driven by hand
  });
  const at = (acked: number, durationMs: number) =>
    (now = { acked, sent: acked, resends: 0, connections: 1, durationMs });
  return { reporter, reports, at };
}

describe('progress reporter', () => {
  it('reports acked of total, the rate since the previous report and the time elapsed', () => {
    const { reporter, reports, at } = run();
    reporter.tick(); // before the send started: nothing to say
    at(20_000, 1000);
    reporter.tick();
    at(50_000, 2500);
    reporter.tick();
    assert.deepEqual(reports, [
      { acked: 20_000, total: 100_000, eventsPerSecond: 20_000, elapsedMs: 1000 },
      { acked: 50_000, total: 100_000, eventsPerSecond: 20_000, elapsedMs: 2500 },
    ]);
    assert.equal(
      formatProgress(reports[1]!),
      '50,000/100,000 events acked (50 %), 20,000 events/s, 2.5 s elapsed',
    );
  });

  it('reports once more at stop only when something was acked since the last report', () => {
    const { reporter, reports, at } = run();
    reporter.start();
    at(100_000, 400); // a run shorter than the interval still shows its end
    reporter.stop();
    assert.deepEqual(reports, [
      { acked: 100_000, total: 100_000, eventsPerSecond: 250_000, elapsedMs: 400 },
    ]);
    const again = run();
    again.at(10, 1000);
    again.reporter.tick();
    again.at(10, 1200);
    again.reporter.stop();
    assert.equal(again.reports.length, 1);
  });
});
