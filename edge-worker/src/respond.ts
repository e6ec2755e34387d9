/**
 * Refusals as the edge sends them (docs/design.md): a JSON body `{ error, message }` with the stable
 * code, plus the RFC 6750 challenge on 401/403 and Retry-After on 429.
 */
import { ERROR_SPECS, type EdgeError } from './errors.ts';

export interface RespondOptions {
  readonly retryAfterSeconds?: number;
}

export function errorResponse(error: EdgeError, options: RespondOptions = {}): Response {
  const spec = ERROR_SPECS[error.code];
  const headers = new Headers({
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  if ('challenge' in spec)
    headers.set('www-authenticate', challenge(spec.challenge, error.message));
  if (spec.status === 429) headers.set('retry-after', String(options.retryAfterSeconds ?? 60));
  if (spec.status === 426) {
    headers.set('upgrade', 'websocket');
    headers.set('connection', 'Upgrade');
    // RFC 6455 §4.4: the versions this server speaks.
    headers.set('sec-websocket-version', '13');
  }
  if (spec.status === 405) headers.set('allow', 'GET');
  return new Response(JSON.stringify({ error: error.code, message: error.message }), {
    status: spec.status,
    headers,
  });
}

function challenge(kind: string, description: string): string {
  // RFC 6750 §3.1: without a token there is nothing to describe, so no error attributes.
  if (kind === 'none') return 'Bearer';
  // error_description is a quoted-string limited to printable ASCII without '"' and '\'.
  const safe = description.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "'");
  return `Bearer error="${kind}", error_description="${safe}"`;
}
