/**
 * The metrics convention of every beats-gate Node service, in one place:
 *
 * - Node's default metrics keep their standard names (`process_cpu_seconds_total`,
 *   `nodejs_eventloop_lag_seconds`, …), so stock Node.js dashboards and alerts match them.
 * - Product metrics are named `beats_gate_<service>_<name>`; counters end in `_total`.
 * - A gauge is read when Prometheus scrapes, by its `collect` callback, from the state the service
 *   keeps anyway; nothing has to remember to set it (nor to call a status() first).
 * - Each instance has a registry of its own, never the global one, so two instances in one
 *   process (tests, the local stack) do not collide.
 */
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type LabelValues,
} from 'prom-client';

export interface MetricsOptions {
  /** `client`, `unwrapper`, …: product metrics are named `beats_gate_<service>_…`. */
  readonly service: string;
  /** Node's default process metrics, under their standard names; default true. */
  readonly defaultMetrics?: boolean;
}

export interface GaugeSpec<L extends string> {
  readonly labelNames?: readonly L[];
  /**
   * Called on every scrape, after the gauge was emptied: set the current value of each series
   * that exists now (so a series whose subject is gone disappears).
   */
  readonly collect: (gauge: { set(labels: LabelValues<L>, value: number): void }) => void;
}

const SERVICE = /^[a-z][a-z0-9_]*$/;
const NAME = /^[a-z][a-z0-9_]*$/;

export function createMetrics(options: MetricsOptions) {
  if (!SERVICE.test(options.service)) {
    throw new RangeError(
      `service must be lower-case letters, digits and _ (it becomes part of every metric name), got ${JSON.stringify(options.service)}`,
    );
  }
  const prefix = `beats_gate_${options.service}_`;
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // Beside what the process uses, what it may use: past V8's heap limit it dies with "heap out
    // of memory", past its memory limit the OOM killer ends it. Alerts divide one by the other.
    new Gauge({
      name: `${prefix}heap_limit_bytes`,
      help: "V8's heap size limit: nodejs_heap_size_used_bytes beyond it ends the process",
      registers,
      collect() {
        this.set(getHeapStatistics().heap_size_limit);
      },
    });
    new Gauge({
      name: `${prefix}memory_limit_bytes`,
      help: "Memory the process may use: its cgroup's limit, or the machine's memory without one",
      registers,
      collect() {
        const constrained = process.constrainedMemory();
        this.set(constrained > 0 ? Math.min(constrained, totalmem()) : totalmem());
      },
    });
  }

  function fullName(name: string): string {
    if (!NAME.test(name)) {
      throw new RangeError(`metric name must be snake_case, got ${JSON.stringify(name)}`);
    }
    return prefix + name;
  }

  return {
    registry,
    /** `beats_gate_<service>_`, for tests and docs. */
    prefix,
    counter<L extends string = never>(
      name: string,
      help: string,
      labelNames: readonly L[] = [],
    ): Counter<L> {
      if (!name.endsWith('_total')) {
        throw new RangeError(`counter name must end in _total, got ${JSON.stringify(name)}`);
      }
      return new Counter({ name: fullName(name), help, labelNames, registers });
    },
    gauge<L extends string = never>(name: string, help: string, spec: GaugeSpec<L>): Gauge<L> {
      return new Gauge<L>({
        name: fullName(name),
        help,
        labelNames: spec.labelNames ?? [],
        registers,
        collect() {
          this.reset();
          spec.collect({ set: (labels, value) => this.set(labels, value) });
        },
      });
    },
    histogram<L extends string = never>(
      name: string,
      help: string,
      spec: { labelNames?: readonly L[]; buckets: number[] },
    ): Histogram<L> {
      return new Histogram({
        name: fullName(name),
        help,
        labelNames: spec.labelNames ?? [],
        buckets: spec.buckets,
        registers,
      });
    },
  };
}

export type MetricsFactory = ReturnType<typeof createMetrics>;
