/**
 * The drill's figures over time, from Prometheus's query_range API: events per second through
 * the unwrappers (Lumberjack-aware mode counts the events it forwards) and open tunnels per
 * unwrapper, one point per scrape.
 */
import { queryRange } from './prometheus-api.ts';
import type { World } from './setup.ts';

/** [unix milliseconds, value] */
export type Point = [number, number];

export interface DrillSeries {
  eventsPerSecond: Point[];
  /** Open tunnels by unwrapper name. */
  tunnels: Record<string, Point[]>;
}

const toPoints = (values: [number, string][]): Point[] =>
  values.map(([at, value]) => [at * 1000, Number(value)]);

export async function readSeries(
  world: World,
  startMs: number,
  endMs: number,
  scrapeSeconds: number,
): Promise<DrillSeries> {
  const range = { startMs, endMs, stepSeconds: scrapeSeconds };
  // Four scrapes per rate window: a point even when one scrape is late.
  const rateWindow = `${Math.max(4 * scrapeSeconds, 4)}s`;
  const [events] = await queryRange(
    world.prometheus.url,
    `sum(rate(beats_gate_unwrapper_events_total[${rateWindow}]))`,
    range,
  );
  const tunnels = await queryRange(
    world.prometheus.url,
    'beats_gate_unwrapper_tunnels_active',
    range,
  );
  const nameOf = new Map([...world.instanceOf].map(([name, instance]) => [instance, name]));
  const byName: Record<string, Point[]> = {};
  for (const name of world.instanceOf.keys()) byName[name] = [];
  for (const series of tunnels) {
    const name = nameOf.get(series.metric.instance ?? '');
    if (name) byName[name]!.push(...toPoints(series.values));
  }
  return { eventsPerSecond: events ? toPoints(events.values) : [], tunnels: byName };
}
