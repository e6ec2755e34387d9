/**
 * Byte-exact Lumberjack encoders. Each returns one complete frame in a fresh Buffer. Objects are
 * serialised with JSON.stringify; bytes and strings are written as given, so tests can build any
 * frame, valid or not.
 */
import { promisify } from 'node:util';
import { deflate, deflateSync } from 'node:zlib';
import {
  COMPRESSED_HEADER_BYTES,
  DATA_HEADER_BYTES,
  JSON_HEADER_BYTES,
  TYPE_ACK,
  TYPE_COMPRESSED,
  TYPE_DATA,
  TYPE_JSON,
  TYPE_WINDOW,
  U32_MAX,
  VERSION_1,
  VERSION_2,
  type Frame,
  type Version,
} from './frames.ts';

/** Filebeat's default compression_level. */
export const DEFAULT_COMPRESSION_LEVEL = 3;

const deflateAsync = promisify(deflate);

function checkU32(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new RangeError(`${name} must be an integer from 0 to ${U32_MAX}, got ${String(value)}`);
  }
  return value;
}

function versionByte(version: Version): number {
  if (version === 1) return VERSION_1;
  if (version === 2) return VERSION_2;
  throw new RangeError(`version must be 1 or 2, got ${String(version)}`);
}

/** A frame with its version, type and u32 fields written, and `bodyBytes` of room after them. */
function frameOf(version: number, type: number, fields: readonly number[], bodyBytes = 0): Buffer {
  const frame = Buffer.allocUnsafe(2 + 4 * fields.length + bodyBytes);
  frame[0] = version;
  frame[1] = type;
  for (let i = 0; i < fields.length; i++) frame.writeUInt32BE(fields[i]!, 2 + 4 * i);
  return frame;
}

/** '2W' (or '1W') count. */
export function encodeWindow(size: number, version: Version = 2): Buffer {
  return frameOf(versionByte(version), TYPE_WINDOW, [checkU32('window size', size)]);
}

/** '2A' (or '1A') seq. */
export function encodeAck(seq: number, version: Version = 2): Buffer {
  return frameOf(versionByte(version), TYPE_ACK, [checkU32('ack seq', seq)]);
}

function jsonBytes(event: Uint8Array | string | object): Uint8Array | string {
  if (typeof event === 'string' || event instanceof Uint8Array) return event;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new TypeError(`a JSON event must be an object, a string or bytes, got ${typeof event}`);
  }
  return JSON.stringify(event);
}

/** '2J' seq, length, JSON bytes. */
export function encodeJson(seq: number, event: Uint8Array | string | object): Buffer {
  checkU32('json seq', seq);
  const body = jsonBytes(event);
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  checkU32('json payload length', length);
  const frame = frameOf(VERSION_2, TYPE_JSON, [seq, length], length);
  if (typeof body === 'string') frame.write(body, JSON_HEADER_BYTES, 'utf8');
  else frame.set(body, JSON_HEADER_BYTES);
  return frame;
}

/** '1D' seq, pair count, then (key length, key, value length, value) in key order. */
export function encodeData(seq: number, event: Record<string, string>): Buffer {
  checkU32('data seq', seq);
  if (typeof event !== 'object' || event === null) {
    throw new TypeError(`a data event must be an object of strings, got ${String(event)}`);
  }
  const parts: Buffer[] = [];
  let length = DATA_HEADER_BYTES;
  for (const [key, value] of Object.entries(event)) {
    if (typeof value !== 'string') {
      throw new TypeError(`data event value for key ${JSON.stringify(key)} must be a string`);
    }
    const k = Buffer.from(key, 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(k, v);
    length += 8 + k.length + v.length;
  }
  const frame = frameOf(VERSION_1, TYPE_DATA, [seq, parts.length / 2], length - DATA_HEADER_BYTES);
  let offset = DATA_HEADER_BYTES;
  for (const part of parts) {
    offset = frame.writeUInt32BE(part.length, offset);
    offset += part.copy(frame, offset);
  }
  return frame;
}

function checkLevel(level: number): number {
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new RangeError(`compression level must be an integer from 0 to 9, got ${String(level)}`);
  }
  return level;
}

function content(frames: Buffer | readonly Buffer[]): Buffer {
  return Buffer.isBuffer(frames) ? frames : Buffer.concat(frames);
}

function wrapCompressed(deflated: Buffer): Buffer {
  checkU32('compressed payload length', deflated.length);
  const frame = frameOf(VERSION_2, TYPE_COMPRESSED, [deflated.length], deflated.length);
  deflated.copy(frame, COMPRESSED_HEADER_BYTES);
  return frame;
}

/**
 * '2C' length, then the frames deflated in zlib format (RFC 1950 header and Adler-32, what Go's
 * compress/zlib writes and Logstash expects; not gzip, not raw deflate).
 */
export function encodeCompressed(
  frames: Buffer | readonly Buffer[],
  level: number = DEFAULT_COMPRESSION_LEVEL,
): Buffer {
  checkLevel(level);
  return wrapCompressed(deflateSync(content(frames), { level }));
}

/** Same bytes as encodeCompressed, with the deflating done on libuv's thread pool. */
export async function encodeCompressedAsync(
  frames: Buffer | readonly Buffer[],
  level: number = DEFAULT_COMPRESSION_LEVEL,
): Promise<Buffer> {
  checkLevel(level);
  return wrapCompressed(await deflateAsync(content(frames), { level }));
}

/**
 * Encodes one decoded frame again, uncompressed: the inverse of the decoder for a single frame.
 * Frames that came out of a C frame lose that wrapping; wrap them with `encodeCompressed`.
 */
export function encodeFrame(frame: Frame): Buffer {
  switch (frame.type) {
    case 'window':
      return encodeWindow(frame.size, frame.version);
    case 'ack':
      return encodeAck(frame.seq, frame.version);
    case 'json':
      return encodeJson(frame.seq, frame.payload);
    case 'data':
      return encodeData(frame.seq, frame.event);
  }
}
