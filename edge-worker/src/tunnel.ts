/**
 * The tunnel route: decide whether an upgrade may reach origin, and if so pass it through. Checks
 * run cheapest first, and origin is contacted only after every one of them passed.
 */
import { EdgeError, ERROR_SPECS, type EdgeErrorCode } from './errors.ts';
import { describeCause, logDecision, type DecisionRecord } from './log.ts';
import { readOriginAnswer, resultOfStatus } from './origin-answer.ts';
import { buildOriginRequest } from './origin-request.ts';
import { coloOf, recordOutcome, type KeepAlive } from './outcomes.ts';
import { consume, failureKey, upgradeKey } from './rate-limit.ts';
import { errorResponse } from './respond.ts';
import { checkRevocation } from './revocation.ts';
import { getRuntime, type EdgeRuntime } from './runtime.ts';
import { extractToken } from './token-extraction.ts';
import type { VerifiedToken } from './token-verifier.ts';

interface Attempt {
  readonly started: number;
  readonly clientAddress?: string;
  token?: VerifiedToken;
}

export async function handleTunnel(
  request: Request,
  env: Readonly<Record<string, unknown>>,
  keepAlive: KeepAlive = () => undefined,
): Promise<Response> {
  const clientAddress = request.headers.get('cf-connecting-ip') ?? undefined;
  const ray = request.headers.get('cf-ray') ?? undefined;
  const attempt: Attempt = { started: Date.now(), ...(clientAddress ? { clientAddress } : {}) };
  const base = {
    event: 'edge.tunnel',
    ...(ray ? { ray } : {}),
    ...(clientAddress ? { clientAddress } : {}),
  };
  const runtime = getRuntime(env);
  /** One log line and, with OUTCOMES bound, one data point: the same facts in both. */
  const report = (decision: DecisionRecord & { by: 'edge' | 'origin'; status: number }) => {
    const facts = { ...base, ...decision, ...identity(attempt) };
    logDecision(facts);
    const colo = coloOf(request);
    recordOutcome(
      runtime.ok ? runtime.config.outcomes : undefined,
      { ...facts, ...(colo ? { colo } : {}) },
      keepAlive,
    );
  };
  try {
    const response = await admit(request, runtime, attempt);
    // Origin's answer, whatever it is, is what the device gets: the log says which it was.
    const { result, code } = await readOriginAnswer(response);
    report({
      event: 'edge.tunnel',
      result,
      by: 'origin',
      ...(code ? { code } : {}),
      status: response.status,
    });
    // Returned as is: a new Response would lose the WebSocket that workerd attached to it.
    return response;
  } catch (error) {
    let refusal = error instanceof EdgeError ? error : internal(error);
    const refusedFor = refusal.code;
    if (runtime.ok) refusal = await countFailure(runtime, attempt, refusal);
    const cause = describeCause(refusal);
    report({
      event: 'edge.tunnel',
      result: resultOfStatus(refusal.status),
      by: 'edge',
      code: refusal.code,
      status: refusal.status,
      ...(refusedFor !== refusal.code ? { refusedFor } : {}),
      ...(cause ? { cause } : {}),
    });
    return errorResponse(refusal, runtime.ok ? runtime.config : {});
  }
}

async function admit(request: Request, runtime: EdgeRuntime, attempt: Attempt): Promise<Response> {
  if (!runtime.ok) {
    throw new EdgeError('ERR_EDGE_CONFIG_INVALID', 'the edge is misconfigured; see its logs');
  }
  const { config } = runtime;
  const webSocketKey = checkHandshake(request);
  const token = await runtime.verifyToken(extractToken(request, config).token);
  attempt.token = token;
  await checkRevocation(config.denyList, token);
  await consume(config.upgradeLimiter, upgradeKey(token.subject), 'connections for this subject');

  const outbound = await buildOriginRequest(
    { ...config, signAssertion: runtime.signAssertion },
    {
      request,
      token,
      webSocketKey,
      ...(attempt.clientAddress ? { clientAddress: attempt.clientAddress } : {}),
    },
  );
  try {
    return await fetch(outbound);
  } catch (error) {
    throw new EdgeError('ERR_EDGE_ORIGIN_UNREACHABLE', 'the origin could not be reached', {
      cause: error,
    });
  }
}

/**
 * Counts a refused attempt against the client address. Over the limit the answer becomes 429; a
 * limiter that cannot be reached leaves the original refusal in place (it is a refusal already).
 */
async function countFailure(
  runtime: Extract<EdgeRuntime, { ok: true }>,
  attempt: Attempt,
  refusal: EdgeError,
): Promise<EdgeError> {
  if (!attempt.clientAddress || !('countsAsFailure' in ERROR_SPECS[refusal.code])) return refusal;
  try {
    await consume(
      runtime.config.failureLimiter,
      failureKey(attempt.clientAddress),
      'failed attempts from this address',
    );
  } catch (error) {
    if (error instanceof EdgeError && error.code === 'ERR_EDGE_RATE_LIMITED') return error;
  }
  return refusal;
}

/**
 * What a device's upgrade must be, checked in order, each with the refusal it gets. Everything is
 * checked here rather than left to origin: the edge opens its own version-13 WebSocket to origin,
 * so origin would accept, dial Logstash and answer 101 for a handshake the device cannot use.
 */
const HANDSHAKE_RULES: readonly [
  accepts: (request: Request) => boolean,
  code: EdgeErrorCode,
  message: string,
][] = [
  [
    (r) => r.method === 'GET',
    'ERR_EDGE_METHOD_NOT_ALLOWED',
    'the tunnel accepts only GET upgrades',
  ],
  [
    (r) =>
      (r.headers.get('upgrade') ?? '')
        .split(',')
        .some((token) => token.trim().toLowerCase() === 'websocket'),
    'ERR_EDGE_UPGRADE_REQUIRED',
    'this endpoint only accepts WebSocket upgrades',
  ],
  // Cross-site WebSocket hijacking: a web page could make a browser open the tunnel. Devices
  // never send Origin, so any Origin is refused.
  [
    (r) => !r.headers.has('origin'),
    'ERR_EDGE_BROWSER_ORIGIN',
    'browser WebSocket connections are not accepted',
  ],
  [
    (r) => /^[A-Za-z0-9+/]{22}==$/.test(r.headers.get('sec-websocket-key') ?? ''),
    'ERR_EDGE_HANDSHAKE_INVALID',
    'Sec-WebSocket-Key is missing or invalid',
  ],
  [
    (r) => r.headers.get('sec-websocket-version') === '13',
    'ERR_EDGE_WEBSOCKET_VERSION',
    'Sec-WebSocket-Version must be 13 (RFC 6455)',
  ],
  // beats-gate defines no subprotocol; one requested cannot be agreed to.
  [
    (r) => !r.headers.has('sec-websocket-protocol'),
    'ERR_EDGE_HANDSHAKE_INVALID',
    'Sec-WebSocket-Protocol is not used by beats-gate; send none',
  ],
];

/** Checks a device's upgrade; returns its Sec-WebSocket-Key. */
function checkHandshake(request: Request): string {
  for (const [accepts, code, message] of HANDSHAKE_RULES) {
    if (!accepts(request)) throw new EdgeError(code, message);
  }
  return request.headers.get('sec-websocket-key')!;
}

function identity(attempt: Attempt) {
  return {
    latencyMs: Date.now() - attempt.started,
    ...(attempt.token ? { subject: attempt.token.subject } : {}),
    ...(attempt.token?.tokenId !== undefined ? { tokenId: attempt.token.tokenId } : {}),
  };
}

function internal(error: unknown): EdgeError {
  return new EdgeError('ERR_EDGE_INTERNAL', 'internal error', { cause: error });
}
