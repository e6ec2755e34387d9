/**
 * The drill's verdicts, apart from the processes so they can be shown to fail: what a fault cost
 * against what the docs allow, and the alerts seen against the alerts expected.
 */
import type { AlertRecord } from './alert-watch.ts';
import type { PhaseReport } from './drill.ts';
import type { ExpectedAlert, FaultOutcome } from './faults.ts';
import type { DeviceSnapshot } from './snapshot.ts';

/** An alert a fault must raise, with the fault's name. */
export interface ExpectedAlertIn extends ExpectedAlert {
  phase: string;
}

/** What one fault cost, against what the docs allow for it. */
export function judgePhase(
  name: string,
  before: Map<string, DeviceSnapshot>,
  after: Map<string, DeviceSnapshot>,
  outcome: FaultOutcome,
  windowEvents: number,
  problems: string[],
): PhaseReport {
  let duplicates = 0;
  let reconnects = 0;
  let bound = 0;
  for (const [runId, now] of after) {
    const then = before.get(runId)!;
    const extra = now.duplicates - then.duplicates;
    const cuts = now.connections - then.connections;
    duplicates += extra;
    reconnects += cuts;
    // Each cut connection may bring back at most the windows it had in flight.
    const allowed = outcome.duplicatesAllowed === 'none' ? 0 : cuts * windowEvents;
    bound += allowed;
    if (extra > allowed) {
      problems.push(
        `${name}: ${runId} got ${extra} duplicates, the docs allow ${allowed} ` +
          `(${outcome.duplicatesAllowed === 'none' ? 'a batch-boundary drain makes none' : `${cuts} cut connections × ${windowEvents} events in flight`})`,
      );
    }
  }
  return {
    name,
    startedAt: 0,
    endedAt: 0,
    duplicates,
    duplicatesAllowed: outcome.duplicatesAllowed,
    duplicatesBound: bound,
    reconnects,
    expectedAlerts: outcome.expectedAlerts.map(
      (alert) =>
        `${alert.alertname}{${Object.entries(alert.labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}}`,
    ),
    notes: outcome.notes,
  };
}

/** Every expected alert fired and resolved; no other alert fired at all. */
export function judgeAlerts(
  records: readonly AlertRecord[],
  expected: readonly ExpectedAlertIn[],
  problems: string[],
): void {
  const matches = (record: AlertRecord, want: (typeof expected)[number]) =>
    record.alertname === want.alertname &&
    Object.entries(want.labels).every(([name, value]) => record.labels[name] === value);
  for (const want of expected) {
    const record = records.find((r) => matches(r, want) && r.firedAt);
    const name = `${want.alertname} ${JSON.stringify(want.labels)}`;
    if (!record) problems.push(`${want.phase}: ${name} never fired`);
    else if (!record.resolvedAt) problems.push(`${want.phase}: ${name} fired but never resolved`);
  }
  for (const record of records) {
    if (!record.firedAt || expected.some((want) => matches(record, want))) continue;
    problems.push(
      `${record.phase}: ${record.alertname} ${JSON.stringify(record.labels)} fired, no fault of the drill should raise it`,
    );
  }
}
