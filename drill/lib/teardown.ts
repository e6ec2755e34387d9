/**
 * What must be taken down if the drill is stopped from outside (SIGINT, SIGTERM): setUp and the
 * scale run register their close here while their processes run. HAProxy and Prometheus are plain
 * children, which a killed parent would leave running; the others end with their parent's pipes.
 */
const closers = new Set<() => Promise<void>>();

/** Registers `close`; call the function returned once it is no longer needed. */
export function closeOnStop(close: () => Promise<void>): () => void {
  closers.add(close);
  return () => closers.delete(close);
}

/** Runs every registered close, at most once each. */
export async function closeAll(): Promise<void> {
  const pending = [...closers];
  closers.clear();
  await Promise.allSettled(pending.map((close) => close()));
}
