/** The shape of bench-results/*.json (documented in docs/benchmarks.md). */
import type { EdgeResult } from '../cases/edge.ts';
import type { InspectResult } from '../cases/inspect.ts';
import type { LatencyResult } from '../cases/latency.ts';
import type { PeerResult } from '../cases/peer.ts';
import type { ScaleResult } from '../cases/scale.ts';
import type { ThroughputResult } from '../cases/throughput.ts';
import type { MachineInfo } from './machine.ts';
import type { TargetCheck } from './targets.ts';

/** A case that did not produce figures says why. */
export type Outcome<T> = T | { skipped: string } | { error: string };

export interface BenchSizes {
  throughputEvents: number;
  throughputRepeats: number;
  latencyWindows: number;
  latencyBatch: number;
  scaleTunnels: number;
  edgeRequestsPerArm: number;
  edgeUpgrades: number;
  peerEvents: number;
  peerRepeats: number;
  inspectEvents: number;
  inspectRepeats: number;
}

export interface BenchResults {
  schema: 1;
  startedAt: string;
  mode: 'smoke' | 'quick' | 'full';
  durationSeconds: number;
  machine: MachineInfo;
  sizes: BenchSizes;
  cases: {
    throughput?: Outcome<ThroughputResult[]>;
    latency?: Outcome<LatencyResult>;
    scale?: Outcome<ScaleResult>;
    edge?: Outcome<EdgeResult>;
    peer?: Outcome<PeerResult[]>;
    inspect?: Outcome<InspectResult>;
  };
  targets: TargetCheck[];
}
