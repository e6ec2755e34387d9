/**
 * The production drill: the world up (setup.ts), devices sending throughout, the three faults one
 * after the other (faults.ts), each followed by a check of what it cost against what the docs
 * allow, then every device's events checked once they are all acknowledged. Whatever the drill
 * finds wrong goes into `problems`; an empty list is a pass.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { watchAlerts, type AlertRecord } from './alert-watch.ts';
import { judgeAlerts, judgePhase, type ExpectedAlertIn } from './judge.ts';
import { checkDevices, readStoredEvents } from './delivery.ts';
import {
  killReceiver,
  killUnwrapper,
  rollingRestart,
  type FaultContext,
  type FaultOutcome,
} from './faults.ts';
import { readSeries, type DrillSeries } from './series.ts';
import { setUp, type SetupOptions } from './setup.ts';
import { takeSnapshot, waitDevicesCaughtUp } from './snapshot.ts';

export interface DrillOptions extends SetupOptions {
  /** Steady sending before the first fault and between faults. */
  quietSeconds: number;
  /** Bound on each wait for recovery (plus an alert's `for` where one must fire). */
  settleLimitMs: number;
}

export interface PhaseReport {
  name: string;
  startedAt: number;
  endedAt: number;
  duplicates: number;
  duplicatesAllowed: FaultOutcome['duplicatesAllowed'];
  /** The most duplicates the docs allow here: windows in flight × window size per cut connection. */
  duplicatesBound: number;
  reconnects: number;
  expectedAlerts: string[];
  notes: string[];
}

export interface DrillReport {
  ok: boolean;
  problems: string[];
  settings: Omit<DrillOptions, 'log'>;
  startedAt: number;
  endedAt: number;
  devices: number;
  events: {
    generated: number;
    delivered: number;
    missing: number;
    duplicates: number;
    unexpected: number;
    /** Lines of a killed receiver cut short mid-write (their windows were resent). */
    cutShort: number;
  };
  eventsPerSecond: { mean: number; peak: number };
  phases: PhaseReport[];
  alerts: AlertRecord[];
  series: DrillSeries;
}

type Fault = (context: FaultContext) => Promise<FaultOutcome>;

const FAULTS: [string, Fault][] = [
  ['rolling restart', rollingRestart],
  ['receiver killed', killReceiver],
  ['unwrapper kill -9', killUnwrapper],
];

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const { log } = options;
  const startedAt = Date.now();
  const world = await setUp(options);
  const watch = watchAlerts(world.prometheus.url);
  const problems: string[] = [];
  const phases: PhaseReport[] = [];
  const expected: ExpectedAlertIn[] = [];
  const context: FaultContext = { world, watch, settleLimitMs: options.settleLimitMs, log };
  const windowEvents = (options.pipelining + 1) * options.batchSize;
  try {
    watch.setPhase('steady');
    await waitDevicesCaughtUp(world.groups, 'before the first fault', options.settleLimitMs);
    await sleep(options.quietSeconds * 1000);

    for (const [name, fault] of FAULTS) {
      log(`fault: ${name}`);
      watch.setPhase(name);
      const before = await takeSnapshot(world.groups, world.fleet.receivers);
      const phaseStart = Date.now();
      const outcome = await fault(context);
      await waitDevicesCaughtUp(world.groups, `after the ${name}`, options.settleLimitMs);
      const after = await takeSnapshot(world.groups, world.fleet.receivers);
      const phase = judgePhase(name, before, after, outcome, windowEvents, problems);
      phase.startedAt = phaseStart;
      phase.endedAt = Date.now();
      phases.push(phase);
      for (const alert of outcome.expectedAlerts) expected.push({ phase: name, ...alert });
      log(
        `  ${phase.duplicates} duplicates (allowed: ${outcome.duplicatesAllowed === 'none' ? 'none' : `≤ ${phase.duplicatesBound}`}), ${phase.reconnects} reconnects`,
      );
      watch.setPhase(`after ${name}`);
      await sleep(options.quietSeconds * 1000);
    }

    log('stopping the devices: every event must be acknowledged');
    const final = (
      await Promise.all(world.groups.map((group) => group.stop(options.settleLimitMs)))
    ).flat();
    const endedAt = Date.now();
    await watch.poll();
    const stored = await readStoredEvents(world.fleet.receivers);
    const reports = checkDevices(stored, new Map(final.map((p) => [p.runId, p.generated])));
    const events = {
      generated: final.reduce((n, p) => n + p.generated, 0),
      delivered: 0,
      missing: 0,
      duplicates: 0,
      unexpected: 0,
      cutShort: stored.cutShort,
    };
    for (const [runId, report] of reports) {
      events.delivered += report.delivered;
      events.missing += report.missing.length;
      events.duplicates += report.duplicates;
      events.unexpected += report.unexpected;
      if (report.missing.length > 0) {
        problems.push(
          `${runId}: ${report.missing.length} events lost (seq ${report.missing.slice(0, 5).join(', ')}…)`,
        );
      }
    }
    for (const device of final) {
      if (device.error) problems.push(`${device.runId}: the sender gave up (${device.error})`);
    }
    if (events.unexpected > 0) problems.push(`${events.unexpected} events no device generated`);
    if (stored.unreadable > stored.cutShort) {
      problems.push(
        `${stored.unreadable - stored.cutShort} unreadable lines in the receivers' files`,
      );
    }
    judgeAlerts(watch.records, expected, problems);
    const series = await readSeries(world, startedAt, endedAt, options.scrapeSeconds);
    const seconds = (endedAt - startedAt) / 1000;
    return {
      ok: problems.length === 0,
      problems,
      settings: withoutLog(options),
      startedAt,
      endedAt,
      devices: world.runIds.length,
      events,
      eventsPerSecond: {
        mean: Math.round(events.generated / seconds),
        peak: Math.round(Math.max(0, ...series.eventsPerSecond.map(([, v]) => v))),
      },
      phases,
      alerts: watch.records,
      series,
    };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${world.fleet.logs.slice(-30).join('\n')}`, {
      cause: error,
    });
  } finally {
    await watch.stop();
    await world.close();
  }
}

function withoutLog(options: DrillOptions): Omit<DrillOptions, 'log'> {
  const { log: _log, ...settings } = options;
  return settings;
}
