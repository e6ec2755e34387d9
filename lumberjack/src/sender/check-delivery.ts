export interface DeliveryReport {
  /** Distinct events of the run that arrived. */
  delivered: number;
  /** seq values of the run that never arrived, ascending. */
  missing: number[];
  /** Extra copies of events that arrived more than once. */
  duplicates: number;
  /** Received events that are not from the run (other run id, or seq out of range). */
  unexpected: number;
}

/** Compares what a receiver stored with what generateEvents produced for one run, by (run, seq). */
export function checkDelivery(
  expected: { runId: string; count: number },
  received: Iterable<Record<string, unknown>>,
): DeliveryReport {
  const { runId, count } = expected;
  const seen = new Uint32Array(count);
  let delivered = 0;
  let duplicates = 0;
  let unexpected = 0;
  for (const event of received) {
    const seq = event.seq;
    if (
      event.run !== runId ||
      typeof seq !== 'number' ||
      !Number.isInteger(seq) ||
      seq < 0 ||
      seq >= count
    ) {
      unexpected++;
      continue;
    }
    if (seen[seq] === 0) delivered++;
    else duplicates++;
    seen[seq] = (seen[seq] as number) + 1;
  }
  const missing: number[] = [];
  for (let seq = 0; seq < count; seq++) if (seen[seq] === 0) missing.push(seq);
  return { delivered, missing, duplicates, unexpected };
}
