/**
 * Where the devices stand at one moment: what each generated and got acknowledged, its
 * connections so far, and how many extra copies of its events the receivers hold. Two snapshots
 * around a fault give that fault's duplicates and reconnects per device.
 */
import { checkDevices, readStoredEvents } from './delivery.ts';
import { fleetProgress, type DeviceGroup, type DeviceProgress } from './devices.ts';
import type { Member } from './fleet.ts';
import { GiveUp, pollUntil } from './poll.ts';

export interface DeviceSnapshot extends DeviceProgress {
  duplicates: number;
}

export async function takeSnapshot(
  groups: readonly DeviceGroup[],
  receivers: readonly Member[],
): Promise<Map<string, DeviceSnapshot>> {
  const progress = await fleetProgress(groups);
  const stored = await readStoredEvents(receivers);
  const reports = checkDevices(stored, new Map(progress.map((p) => [p.runId, p.generated])));
  return new Map(
    progress.map((p) => [p.runId, { ...p, duplicates: reports.get(p.runId)!.duplicates }]),
  );
}

/**
 * Waits until every device has had acknowledged everything it had generated when this was
 * called: whatever a fault cut off has been resent and delivered. A device that gave up fails it.
 */
export async function waitDevicesCaughtUp(
  groups: readonly DeviceGroup[],
  what: string,
  limitMs: number,
): Promise<void> {
  const targets = new Map((await fleetProgress(groups)).map((p) => [p.runId, p.generated]));
  let behind: string[] = [];
  await pollUntil(
    `every device to get its events acknowledged ${what}`,
    async () => {
      const progress = await fleetProgress(groups);
      const failed = progress.find((p) => p.error);
      if (failed) throw new GiveUp(`device ${failed.runId} gave up: ${failed.error}`);
      behind = progress
        .filter((p) => p.acked < targets.get(p.runId)!)
        .map((p) => `${p.runId} ${p.acked}/${targets.get(p.runId)}`);
      if (behind.length > 0) throw new Error(`behind: ${behind.slice(0, 5).join(', ')}`);
      return true;
    },
    limitMs,
    250,
  );
}
