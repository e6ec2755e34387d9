import type { Batch, BatchSink } from './types.ts';

/** Keeps every batch and event in memory, in the order the sink saw them: for tests. */
export function createMemorySink(): {
  sink: BatchSink;
  events: Record<string, unknown>[];
  batches: Batch[];
} {
  const events: Record<string, unknown>[] = [];
  const batches: Batch[] = [];
  return {
    sink(batch) {
      batches.push(batch);
      for (const event of batch.events) events.push(event);
      return Promise.resolve();
    },
    events,
    batches,
  };
}
