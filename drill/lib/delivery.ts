/**
 * What the Logstash stand-ins stored, read back from their files and checked per device with the
 * lumberjack package's checkDelivery: every event of every device once, and how many extra copies.
 */
import { readFile } from 'node:fs/promises';
import { checkDelivery, type DeliveryReport } from '@beats-gate/lumberjack';
import type { Member } from './fleet.ts';

export interface StoredEvents {
  /** Events by run id (device). */
  byRun: Map<string, Record<string, unknown>[]>;
  /** Lines that are not a JSON event. */
  unreadable: number;
  /**
   * Of those, the last lines of files whose receiver was killed with SIGKILL: a write cut short.
   * Its window was never acknowledged, so its events are resent; this is not a loss.
   */
  cutShort: number;
}

export async function readStoredEvents(receivers: readonly Member[]): Promise<StoredEvents> {
  const byRun = new Map<string, Record<string, unknown>[]>();
  let unreadable = 0;
  let cutShort = 0;
  for (const receiver of receivers) {
    for (const file of receiver.eventFiles) {
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return ''; // no window reached this incarnation
        throw error;
      });
      const lines = text.split('\n');
      const last = lines.length - 1;
      lines.forEach((line, index) => {
        if (line === '') return;
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(line) as Record<string, unknown>;
        } catch {
          unreadable++;
          // The only line a kill can cut is the one being written: the file's last, or the one
          // a restarted incarnation would append after (each incarnation has its own file).
          if (receiver.killedFiles.has(file) && index >= last - 1) cutShort++;
          return;
        }
        const run = typeof event.run === 'string' ? event.run : '';
        let events = byRun.get(run);
        if (!events) byRun.set(run, (events = []));
        events.push(event);
      });
    }
  }
  return { byRun, unreadable, cutShort };
}

/** checkDelivery for each device, over its first `counts[runId]` events. */
export function checkDevices(
  stored: StoredEvents,
  counts: ReadonlyMap<string, number>,
): Map<string, DeliveryReport> {
  const reports = new Map<string, DeliveryReport>();
  for (const [runId, count] of counts) {
    reports.set(runId, checkDelivery({ runId, count }, stored.byRun.get(runId) ?? []));
  }
  return reports;
}
