/**
 * Decoder throughput on the recorded Filebeat vectors: prints MB/s (of wire bytes) and events/s
 * for several chunk sizes. A program, not a test: run with `node bench/codec.ts [events]`.
 * Each vector is repeated (as one long stream) until about `events` events have been decoded.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDecoder, encodeCompressed, encodeJson, encodeWindow } from '../src/index.ts';

const vectors = resolve(import.meta.dirname, '../test/vectors');
const target = Number(process.argv[2] ?? 1_000_000);

interface Case {
  name: string;
  bytes: Buffer;
  events: number;
}

function load(name: string, events: number): Case {
  return { name, bytes: readFileSync(resolve(vectors, `${name}.beat-to-logstash.bin`)), events };
}

function decodeAll(c: Case, repeat: number, chunkSize: number, parseJson: boolean): number {
  const decoder = createDecoder({ parseJson });
  let events = 0;
  for (let r = 0; r < repeat; r++) {
    for (let offset = 0; offset < c.bytes.length; offset += chunkSize) {
      for (const frame of decoder.push(c.bytes.subarray(offset, offset + chunkSize))) {
        if (frame.type === 'json') events++;
      }
    }
  }
  decoder.end();
  return events;
}

function measure(c: Case, chunkSize: number, parseJson = true): void {
  const repeat = Math.max(1, Math.round(target / c.events));
  decodeAll(c, Math.max(1, Math.round(repeat / 10)), chunkSize, parseJson); // warm-up
  const start = process.hrtime.bigint();
  const events = decodeAll(c, repeat, chunkSize, parseJson);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mb = (c.bytes.length * repeat) / 1e6;
  console.log(
    `${c.name.padEnd(24)} chunk ${String(chunkSize).padStart(6)}${parseJson ? '' : ' (no JSON.parse)'}  ` +
      `${(mb / seconds).toFixed(1).padStart(7)} MB/s  ` +
      `${Math.round(events / seconds)
        .toLocaleString('en-US')
        .padStart(10)} events/s  (${events} events, ${seconds.toFixed(2)} s)`,
  );
}

function encodeBench(): void {
  const events = Array.from({ length: 2048 }, (_, seq) => ({
    '@timestamp': '2024-01-01T00:00:00.000Z',
    host: { name: 'bench' },
    message: 'abcdefghijklmnopqrstuvwxyz'.repeat(2),
    seq,
  }));
  const windows = Math.max(1, Math.round(target / events.length / 4));
  for (const level of [0, 3]) {
    const start = process.hrtime.bigint();
    let bytes = 0;
    for (let w = 0; w < windows; w++) {
      const frames = events.map((event, i) => encodeJson(i + 1, event));
      bytes += encodeWindow(frames.length).length;
      bytes +=
        level === 0
          ? frames.reduce((n, f) => n + f.length, 0)
          : encodeCompressed(frames, level).length;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const count = windows * events.length;
    console.log(
      `encode level ${level}              ${Math.round(count / seconds)
        .toLocaleString('en-US')
        .padStart(10)} events/s  (${count} events, ${(bytes / 1e6).toFixed(1)} MB on the wire)`,
    );
  }
}

console.log(`node ${process.version}, about ${target} events per case`);
const cases = [load('v2-uncompressed-2x500', 1000), load('v2-zlib3-3x2048', 6144)];
for (const c of cases) {
  for (const chunkSize of [64 * 1024, 1460, 100]) measure(c, chunkSize);
  // Framing alone, as a byte-level inspector would use it.
  measure(c, 64 * 1024, false);
}
encodeBench();
