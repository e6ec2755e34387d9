/** The real Filebeat captures in lumberjack/test/vectors, with their decoded events. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createDecoder } from '@beats-gate/lumberjack';

export const VECTORS_DIR = resolve(import.meta.dirname, '../../lumberjack/test/vectors');

export interface Vector {
  name: string;
  beatToLogstash: Buffer;
  logstashToBeat: Buffer;
  /** The events of every J frame, in order. */
  events: Record<string, unknown>[];
}

export const VECTOR_NAMES = ['v2-uncompressed-2x500', 'v2-zlib3-3x2048'] as const;

export async function loadVector(name: string): Promise<Vector> {
  const beatToLogstash = await readFile(resolve(VECTORS_DIR, `${name}.beat-to-logstash.bin`));
  const logstashToBeat = await readFile(resolve(VECTORS_DIR, `${name}.logstash-to-beat.bin`));
  const events: Record<string, unknown>[] = [];
  for (const frame of createDecoder().push(beatToLogstash)) {
    if (frame.type === 'json') events.push(frame.event);
  }
  return { name, beatToLogstash, logstashToBeat, events };
}
