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
    // V8's message quotes the text around the error; errors end up in logs and close reasons,
    // which never carry payload bytes, so only the position is kept.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new LumberjackError(
      'ERR_LJ_INVALID_JSON',
      `JSON frame seq ${seq}: payload of ${payload.length} bytes is not valid JSON` +
        (position === undefined ? '' : ` (at character ${position})`),
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
 * A J frame whose `event` is parsed on first read and then kept, for decoders made with
 * parseJson: false. A class with a prototype getter keeps frames cheap to create (defining an
 * accessor per object would not); a parse failure surfaces where the event is read.
 */
export class LazyJsonFrame {
  readonly type = 'json' as const;
  readonly version = 2 as const;
  readonly seq: number;
  readonly payload: Buffer;
  readonly compressed?: true;
  #event: Record<string, unknown> | undefined;

  constructor(seq: number, payload: Buffer, compressed: boolean) {
    this.seq = seq;
    this.payload = payload;
    if (compressed) this.compressed = true;
  }

  get event(): Record<string, unknown> {
    this.#event ??= parseJsonEvent(this.payload, this.seq);
    return this.#event;
  }
}
