/**
 * What origin's answer to a passed-through upgrade means for the edge's log: the status decides
 * the result (101 allowed, 4xx refused, anything else an error: a 2xx or 3xx means ORIGIN_URL does
 * not point at an unwrapper), and a refusal's code is read from its JSON body
 * (`{ "error": "<code>" }`, the shape of the unwrapper's refusals and of the edge's own).
 */
import type { DecisionRecord } from './log.ts';

export interface OriginAnswer {
  readonly result: DecisionRecord['result'];
  readonly code?: string;
}

/** Larger bodies are not read: the unwrapper's refusals are a few hundred bytes. */
const MAX_BODY_BYTES = 4096;
/** The code becomes a log field and an Analytics Engine blob, so it must look like one. */
const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;

export function resultOfStatus(status: number): DecisionRecord['result'] {
  if (status === 101) return 'allowed';
  if (status >= 400 && status < 500) return 'refused';
  return 'error';
}

/**
 * Reads a copy of a refusal's body, so the response itself goes back to the device untouched. Only
 * a JSON body with a Content-Length within the limit is read, so a streaming or huge body cannot
 * hold the answer back.
 */
export async function readOriginAnswer(response: Response): Promise<OriginAnswer> {
  const result = resultOfStatus(response.status);
  if (response.status === 101) return { result };
  const length = Number(response.headers.get('content-length') ?? NaN);
  const isJson = /^application\/json\b/i.test(response.headers.get('content-type') ?? '');
  if (!isJson || !Number.isInteger(length) || length <= 0 || length > MAX_BODY_BYTES) {
    return { result };
  }
  try {
    const body: unknown = await response.clone().json();
    const code = (body as { error?: unknown } | null)?.error;
    return typeof code === 'string' && CODE_PATTERN.test(code) ? { result, code } : { result };
  } catch {
    return { result };
  }
}
