/**
 * The drill's three faults, each with what the docs say it may cost and which alerts it must raise:
 *
 * - a rolling restart of the unwrappers (SIGTERM: the batch-boundary drain, docs/unwrapper.md),
 *   one at a time, each back in HAProxy's rotation before the next: no duplicates, no alert;
 * - a receiver killed with SIGKILL, then started again: the windows in flight to it are resent
 *   (duplicates possible, at most the unacknowledged windows, docs/design.md), and every
 *   unwrapper's BeatsGateLogstashDown for it fires, then resolves once it is back;
 * - an unwrapper killed with SIGKILL, then started again: its tunnels' windows in flight are
 *   resent elsewhere (duplicates possible), Prometheus sees the target down, and
 *   BeatsGateUnwrapperDown fires for it, then resolves once it is back.
 */
import type { AlertWatch } from './alert-watch.ts';
import { pollUntil } from './poll.ts';
import type { World } from './setup.ts';
import { waitDevicesCaughtUp } from './snapshot.ts';

export interface ExpectedAlert {
  alertname: string;
  labels: Record<string, string>;
}

export interface FaultOutcome {
  /** Duplicates the docs allow for this fault: none, or the windows in flight when cut. */
  duplicatesAllowed: 'none' | 'windows-in-flight';
  expectedAlerts: ExpectedAlert[];
  /** When the fault's cause was removed (the killed process is back), for resolve times. */
  recoveredAt?: number;
  notes: string[];
}

export interface FaultContext {
  world: World;
  watch: AlertWatch;
  /** Bound on every wait for recovery. */
  settleLimitMs: number;
  log: (line: string) => void;
}

function forSeconds(world: World, alertname: string): number {
  const rule = world.alerts.find((alert) => alert.alert === alertname);
  if (!rule) throw new Error(`the rules file has no alert ${alertname}: the drill expects it`);
  return rule.forSeconds;
}

async function targetUp(world: World, instance: string): Promise<string | undefined> {
  const samples = await world.prometheus.query(`up{instance="${instance}"}`);
  return samples[0]?.value[1];
}

export async function rollingRestart(context: FaultContext): Promise<FaultOutcome> {
  const { world, log } = context;
  const notes: string[] = [];
  for (const member of world.fleet.unwrappers) {
    // stopPart's own kill timer sits well beyond the unwrapper's grace: the drain must end by itself.
    const tookMs = await world.fleet.stop(member, 60_000);
    const exit = await member.part!.exited;
    if (exit !== 0) throw new Error(`${member.name} did not exit 0 after its drain (${exit})`);
    await world.fleet.start(member);
    const instance = world.instanceOf.get(member.name)!;
    await pollUntil(
      `Prometheus to scrape the restarted ${member.name}`,
      async () => ((await targetUp(world, instance)) === '1' ? true : undefined),
      context.settleLimitMs,
      500,
    );
    // Back in HAProxy's rotation (two good checks) before the next one goes down.
    await pollUntil(
      `haproxy to put ${member.name} back in rotation`,
      async () => {
        const samples = await world.prometheus.query(
          `haproxy_server_status{proxy="unwrappers",server="${member.name}",state="UP"}`,
        );
        return samples[0]?.value[1] === '1' ? true : undefined;
      },
      context.settleLimitMs,
      500,
    );
    notes.push(`${member.name} drained and exited 0 in ${(tookMs / 1000).toFixed(1)} s`);
    log(
      `  ${member.name}: drained in ${(tookMs / 1000).toFixed(1)} s, restarted, back in rotation`,
    );
  }
  return { duplicatesAllowed: 'none', expectedAlerts: [], notes };
}

export async function killReceiver(context: FaultContext): Promise<FaultOutcome> {
  const { world, watch, log } = context;
  const receiver = world.fleet.receivers.at(-1)!;
  const upstream = `127.0.0.1:${receiver.port}`;
  const expectedAlerts = [...world.instanceOf.values()].map((instance) => ({
    alertname: 'BeatsGateLogstashDown',
    labels: { instance, upstream },
  }));
  await world.fleet.kill(receiver);
  const killedAt = Date.now();
  log(`  ${receiver.name} killed (SIGKILL)`);
  // Devices carry on through the other receiver while this one is down.
  await waitDevicesCaughtUp(world.groups, `with ${receiver.name} down`, context.settleLimitMs);
  const waitMs = forSeconds(world, 'BeatsGateLogstashDown') * 1000 + context.settleLimitMs;
  await pollUntil(
    `BeatsGateLogstashDown{upstream="${upstream}"} to fire on every unwrapper`,
    async () => {
      await watch.poll();
      const firing = watch.open('BeatsGateLogstashDown', { upstream }).filter((r) => r.firedAt);
      return firing.length === expectedAlerts.length ? true : undefined;
    },
    waitMs,
    1000,
  );
  log(`  BeatsGateLogstashDown fired on every unwrapper after ${secondsSince(killedAt)} s`);
  await world.fleet.start(receiver);
  const recoveredAt = Date.now();
  await pollUntil(
    `BeatsGateLogstashDown{upstream="${upstream}"} to resolve`,
    async () => {
      await watch.poll();
      return watch.open('BeatsGateLogstashDown', { upstream }).length === 0 ? true : undefined;
    },
    context.settleLimitMs,
    1000,
  );
  log(`  ${receiver.name} restarted; the alerts resolved after ${secondsSince(recoveredAt)} s`);
  return {
    duplicatesAllowed: 'windows-in-flight',
    expectedAlerts,
    recoveredAt,
    notes: [`${receiver.name} (${upstream}) killed with SIGKILL, restarted after the alerts fired`],
  };
}

export async function killUnwrapper(context: FaultContext): Promise<FaultOutcome> {
  const { world, watch, log } = context;
  const member = world.fleet.unwrappers[Math.min(1, world.fleet.unwrappers.length - 1)]!;
  const instance = world.instanceOf.get(member.name)!;
  await world.fleet.kill(member);
  const killedAt = Date.now();
  log(`  ${member.name} killed (SIGKILL)`);
  await pollUntil(
    `Prometheus to see ${member.name} down`,
    async () => ((await targetUp(world, instance)) === '0' ? true : undefined),
    context.settleLimitMs,
    500,
  );
  const seenDownAfter = secondsSince(killedAt);
  await waitDevicesCaughtUp(world.groups, `with ${member.name} gone`, context.settleLimitMs);
  const caughtUpAfter = secondsSince(killedAt);
  log(`  up=0 after ${seenDownAfter} s; every device caught up after ${caughtUpAfter} s`);
  const alert = { alertname: 'BeatsGateUnwrapperDown', labels: { instance } };
  await pollUntil(
    `BeatsGateUnwrapperDown{instance="${instance}"} to fire`,
    async () => {
      await watch.poll();
      return watch.open(alert.alertname, alert.labels).some((r) => r.firedAt) ? true : undefined;
    },
    forSeconds(world, alert.alertname) * 1000 + context.settleLimitMs,
    1000,
  );
  const firedAfter = secondsSince(killedAt);
  log(`  BeatsGateUnwrapperDown fired after ${firedAfter} s`);
  await world.fleet.start(member);
  const recoveredAt = Date.now();
  await pollUntil(
    `BeatsGateUnwrapperDown{instance="${instance}"} to resolve`,
    async () => {
      await watch.poll();
      return watch.open(alert.alertname, alert.labels).length === 0 ? true : undefined;
    },
    context.settleLimitMs,
    1000,
  );
  log(`  ${member.name} restarted; the alert resolved after ${secondsSince(recoveredAt)} s`);
  return {
    duplicatesAllowed: 'windows-in-flight',
    expectedAlerts: [alert],
    recoveredAt,
    notes: [
      `${member.name} killed with SIGKILL: Prometheus saw up=0 after ${seenDownAfter} s, ` +
        `every device had caught up on the others after ${caughtUpAfter} s, ` +
        `BeatsGateUnwrapperDown fired after ${firedAfter} s and resolved once it was back`,
    ],
  };
}

function secondsSince(at: number): number {
  return Math.round((Date.now() - at) / 100) / 10;
}
