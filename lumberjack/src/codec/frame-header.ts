/**
 * Checks the two bytes that open every frame: the version, and whether the type is one this
 * decoder knows and allows with that version and at that depth.
 */
import { describeByte, LumberjackError } from './errors.ts';
import {
  TYPE_ACK,
  TYPE_COMPRESSED,
  TYPE_DATA,
  TYPE_JSON,
  TYPE_WINDOW,
  VERSION_1,
  VERSION_2,
  type Version,
} from './frames.ts';

const FRAME_NAMES: Record<number, string> = {
  [TYPE_WINDOW]: 'window (W)',
  [TYPE_ACK]: 'ack (A)',
  [TYPE_JSON]: 'JSON (J)',
  [TYPE_COMPRESSED]: 'compressed (C)',
  [TYPE_DATA]: 'data (D)',
};

/** 'a JSON (J) frame', for messages about where a stream stopped. */
export function describeFrameType(type: number): string {
  return `a ${FRAME_NAMES[type] ?? describeByte(type)} frame`;
}

/** Checked on the first byte alone, so garbage fails at once rather than after more bytes. */
export function parseVersion(byte: number): Version {
  if (byte === VERSION_2) return 2;
  if (byte === VERSION_1) return 1;
  throw new LumberjackError(
    'ERR_LJ_BAD_VERSION',
    `frame starts with version byte ${describeByte(byte)}, expected '1' or '2'`,
  );
}

/**
 * Each frame is judged by its own version byte, as Logstash does, so v1 and v2 frames may mix in
 * one stream. W, A and C exist on both versions ('1C' is old lumberjack's compressed frame); J
 * exists only on v2 and D only on v1, matching the frame types the decoder returns.
 */
export function checkFrameType(type: number, version: Version, insideCompressed: boolean): void {
  switch (type) {
    case TYPE_WINDOW:
    case TYPE_ACK:
      return;
    case TYPE_JSON:
    case TYPE_DATA:
      if (version === (type === TYPE_JSON ? 2 : 1)) return;
      throw new LumberjackError(
        'ERR_LJ_INVALID_FRAME',
        `${FRAME_NAMES[type]} frame with version ${version}: J frames exist only on v2, D frames only on v1`,
      );
    case TYPE_COMPRESSED:
      if (!insideCompressed) return;
      throw new LumberjackError(
        'ERR_LJ_NESTED_COMPRESSION',
        'compressed (C) frame inside a compressed frame',
      );
    default:
      throw new LumberjackError(
        'ERR_LJ_UNKNOWN_FRAME',
        `unknown frame type ${describeByte(type)} (version ${version}), expected W, C, J, D or A`,
      );
  }
}
