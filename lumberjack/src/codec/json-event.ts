/**
 * Turns the payload of a J frame into its event. The payload must be valid UTF-8 (Beats writes
 * UTF-8 JSON; a lossy decode would silently alter data) holding a JSON object.
 */
import { isUtf8 } from 'node:buffer';
import { LumberjackError } from './errors.ts';

export function parseJsonEvent(payload: Buffer, seq: number): Record<string, unknown> {
  if (!isUtf8(payload)) {
    throw new LumberjackError(
      'ERR_LJ_INVALID_JSON',
      `JSON frame seq ${seq}: payload of ${payload.length} bytes is not valid UTF-8`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new LumberjackError(
      'ERR_LJ_INVALID_JSON',
      `JSON frame seq ${seq}: payload of ${payload.length} bytes is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new LumberjackError(
      'ERR_LJ_INVALID_JSON',
      `JSON frame seq ${seq}: payload must be a JSON object, got ${kind}`,
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Defines `event` on a frame so that it is parsed on first read and then kept, for decoders made
 * with parseJson: false. A parse failure surfaces where the event is read.
 */
export function defineLazyEvent(frame: object, payload: Buffer, seq: number): void {
  let cached: Record<string, unknown> | undefined;
  Object.defineProperty(frame, 'event', {
    enumerable: true,
    configurable: true,
    get() {
      cached ??= parseJsonEvent(payload, seq);
      return cached;
    },
  });
}
