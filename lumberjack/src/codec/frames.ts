/**
 * Lumberjack frame types and wire constants (docs/design.md). Every integer on the wire is an
 * unsigned 32-bit big-endian number; every frame starts with a version byte and a type byte.
 */

import type { LazyDataFrame } from './data-frame.ts';

export type Version = 1 | 2;

/**
 * Frames that came out of a C frame carry `compressed: true`, so a re-encoder can tell which
 * frames to wrap again. Frames read directly from the stream have no `compressed` property.
 */
export type Frame =
  /** '1W' / '2W' count: the number of events in the window that follows. */
  | { type: 'window'; version: Version; size: number; compressed?: true }
  /** '2J' seq, length, JSON bytes. `payload` is exactly those bytes; `event` is them parsed. */
  | {
      type: 'json';
      version: 2;
      seq: number;
      payload: Buffer;
      event: Record<string, unknown>;
      compressed?: true;
    }
  /** '1D' seq, pair count, then (key length, key, value length, value) per pair. */
  | { type: 'data'; version: 1; seq: number; event: Record<string, string>; compressed?: true }
  /** '2A' / '1A' seq: the highest sequence number acknowledged (0 = keep-alive on v2). */
  | { type: 'ack'; version: Version; seq: number; compressed?: true };

export type FrameType = Frame['type'];

/** A C frame as the frame reader yields it: its zlib payload, not inflated. */
export interface CompressedFrame {
  type: 'compressed';
  version: Version;
  payload: Buffer;
}

/**
 * A top-level frame with the exact bytes it arrived in, as one view. J frames are not parsed
 * (`event` parses on first read).
 */
export interface RawFrame {
  /** D frames come as LazyDataFrame: their bytes, and their event only when read. */
  frame: Exclude<Frame, { type: 'data' }> | LazyDataFrame | CompressedFrame;
  raw: Buffer;
}

/** What a C frame's content holds: any frame but another C frame. */
export type ContentFrame = RawFrame & { frame: Exclude<RawFrame['frame'], CompressedFrame> };
export type WindowFrame = Extract<Frame, { type: 'window' }>;
export type JsonFrame = Extract<Frame, { type: 'json' }>;
export type DataFrame = Extract<Frame, { type: 'data' }>;
export type AckFrame = Extract<Frame, { type: 'ack' }>;

export const VERSION_1 = 0x31; // '1'
export const VERSION_2 = 0x32; // '2'
export const TYPE_WINDOW = 0x57; // 'W'
export const TYPE_COMPRESSED = 0x43; // 'C'
export const TYPE_JSON = 0x4a; // 'J'
export const TYPE_DATA = 0x44; // 'D'
export const TYPE_ACK = 0x41; // 'A'

export const U32_MAX = 0xffffffff;

/** Fixed sizes: version + type, then the u32 fields that follow them (W and A frames are 6). */
export const WINDOW_FRAME_BYTES = 6;
export const JSON_HEADER_BYTES = 10; // version, type, seq, length
export const COMPRESSED_HEADER_BYTES = 6; // version, type, length
export const DATA_HEADER_BYTES = 10; // version, type, seq, pair count
