/**
 * The field the identity is written to, in the forms operators know: Logstash's field reference
 * `[@metadata][beats_gate]`, the dotted `@metadata.beats_gate`, or a top-level name `beats_gate`.
 * Logstash's beats input turns a top-level `@metadata` object of the event JSON into the event's
 * metadata, so `[@metadata][…]` is seen by the pipeline but never indexed.
 */
export const MAX_FIELD_DEPTH = 4;

export class FieldPathError extends Error {
  override name = 'FieldPathError';
  readonly code = 'ERR_INSPECT_FIELD_PATH';
}

const SEGMENT = /^[^[\].,"\\\s]+$/;

/** Parses a field path into its segments; throws FieldPathError naming the problem. */
export function parseFieldPath(text: string): string[] {
  const trimmed = text.trim();
  let segments: string[];
  if (trimmed.startsWith('[')) {
    const match = /^(\[[^[\]]+\])+$/.exec(trimmed);
    if (!match) {
      throw new FieldPathError(`field ${JSON.stringify(text)}: expected [a][b] brackets`);
    }
    segments = trimmed.slice(1, -1).split('][');
  } else {
    segments = trimmed.split('.');
  }
  if (segments.length > MAX_FIELD_DEPTH) {
    throw new FieldPathError(
      `field ${JSON.stringify(text)}: at most ${MAX_FIELD_DEPTH} levels, got ${segments.length}`,
    );
  }
  for (const segment of segments) {
    if (!SEGMENT.test(segment)) {
      throw new FieldPathError(
        `field ${JSON.stringify(text)}: segment ${JSON.stringify(segment)} must be non-empty, without brackets, dots, commas, quotes, backslashes or spaces`,
      );
    }
  }
  return segments;
}
