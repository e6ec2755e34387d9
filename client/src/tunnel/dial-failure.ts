/**
 * Turns what went wrong in one dial into a HandshakeError whose code names the failing part (see
 * ERROR_POLICY) and whose message names the host: the proxy or the edge, the name that did not
 * resolve, a TLS port that answered in plain text, an answer that came from origin or Logstash.
 */
import { HandshakeError, type ClientErrorCode } from '../errors.ts';
import type { DialPhase, DialTarget } from './dial-phase.ts';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
/**
 * OpenSSL's complaint when the other side answers a ClientHello with plain HTTP; Node reports it
 * as ERR_SSL_WRONG_VERSION_NUMBER or as EPROTO with the text, depending on who read first.
 */
const PLAIN_TEXT = /wrong version number|packet length too long|http request/i;
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|EPROTO$)|CERT|UNABLE_TO_(GET|VERIFY)/;

type NetworkError = NodeJS.ErrnoException & { hostname?: string; reason?: string };

/** OpenSSL's reason (`wrong version number`) rather than its whole error line. */
function tlsDetail(error: NetworkError): string {
  return error.reason ?? error.message.split('\n')[0] ?? '';
}

/** Origin's refusal codes (unwrapper/src/upgrade/refusal.ts), passed through by the edge. */
const LOGSTASH_CODE = /^ERR_UPSTREAM_/;
const ORIGIN_CODE = /^ERR_(UNWRAPPER|ASSERTION)_/;

type Failure = [ClientErrorCode, string];

function failure([code, message]: Failure, cause?: unknown): HandshakeError {
  return new HandshakeError(code, message, {}, cause === undefined ? undefined : { cause });
}

/** A socket or TLS error before the upgrade was answered. */
export function networkFailure(
  error: NetworkError,
  phase: DialPhase,
  target: DialTarget,
): HandshakeError {
  const code = error.code ?? error.message;
  const { edge, proxy } = target;
  const viaProxy = phase === 'proxy';
  if (DNS_CODES.has(code)) {
    const host = error.hostname ?? (viaProxy ? proxy : edge);
    return failure(
      viaProxy
        ? ['ERR_PROXY_UNREACHABLE', `cannot resolve the proxy host ${host}: ${code}`]
        : ['ERR_HANDSHAKE_DNS', `cannot resolve the edge host ${host}: ${code}`],
      error,
    );
  }
  if (viaProxy) {
    return failure(['ERR_PROXY_UNREACHABLE', `cannot reach the proxy ${proxy}: ${code}`], error);
  }
  if (PLAIN_TEXT.test(`${code} ${tlsDetail(error)}`)) {
    return failure(
      [
        'ERR_HANDSHAKE_TLS',
        `TLS handshake with ${edge} failed: the port answered in plain text, not TLS ` +
          '(wss:// against a plain-HTTP edge? a local edge without TLS is ws://)',
      ],
      error,
    );
  }
  if (TLS_CODE.test(code) || phase === 'tls') {
    return failure(
      ['ERR_HANDSHAKE_TLS', `TLS handshake with ${edge} failed: ${code} (${tlsDetail(error)})`],
      error,
    );
  }
  if (phase === 'upgrade') {
    return failure(
      [
        'ERR_HANDSHAKE_NETWORK',
        `the edge ${edge} dropped the connection before answering: ${code}`,
      ],
      error,
    );
  }
  return failure(['ERR_HANDSHAKE_NETWORK', `cannot reach the edge ${edge}: ${code}`], error);
}

/** The handshake limit ran out: the phase it ran out in names the part. */
export function timeoutFailure(
  phase: DialPhase,
  target: DialTarget,
  timeoutMs: number,
): HandshakeError {
  const within = `within ${timeoutMs} ms`;
  const host = target.edge.slice(0, target.edge.lastIndexOf(':'));
  const messages: Record<DialPhase, Failure> = {
    proxy: ['ERR_PROXY_UNREACHABLE', `no answer from the proxy ${target.proxy} ${within}`],
    dns: ['ERR_HANDSHAKE_DNS', `the edge host ${host} did not resolve ${within}`],
    tcp: ['ERR_HANDSHAKE_NETWORK', `no TCP connection to the edge ${target.edge} ${within}`],
    tls: ['ERR_HANDSHAKE_TLS', `no TLS handshake with the edge ${target.edge} ${within}`],
    upgrade: [
      'ERR_HANDSHAKE_TIMEOUT',
      `the edge ${target.edge} did not answer the upgrade ${within}`,
    ],
  };
  return failure(messages[phase]);
}

function answerCode(status: number, edgeCode: string | undefined): ClientErrorCode {
  if (edgeCode !== undefined && LOGSTASH_CODE.test(edgeCode)) return 'ERR_HANDSHAKE_LOGSTASH';
  if (edgeCode === 'ERR_EDGE_ORIGIN_UNREACHABLE') return 'ERR_HANDSHAKE_ORIGIN';
  if (edgeCode !== undefined && ORIGIN_CODE.test(edgeCode)) return 'ERR_HANDSHAKE_ORIGIN';
  if (status === 401) return 'ERR_HANDSHAKE_UNAUTHORIZED';
  if (status === 429) return 'ERR_HANDSHAKE_RATE_LIMITED';
  if (status >= 500) return 'ERR_HANDSHAKE_UNAVAILABLE';
  return 'ERR_HANDSHAKE_REJECTED';
}

const ANSWERED_BY: Partial<Record<ClientErrorCode, string>> = {
  ERR_HANDSHAKE_LOGSTASH: 'origin cannot reach Logstash',
  ERR_HANDSHAKE_ORIGIN: 'origin refused or could not be reached',
};

/** An HTTP answer instead of 101: from the proxy (CONNECT refused), the edge, or origin. */
export function answerFailure(
  answer: { status: number; retryAfterMs?: number; edgeCode?: string },
  proxyStatus: number | undefined,
  target: DialTarget,
): HandshakeError {
  const { status, edgeCode } = answer;
  const details = {
    status,
    ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
    ...(edgeCode === undefined ? {} : { edgeCode }),
  };
  if (proxyStatus !== undefined) {
    const why = status === 407 ? ' (proxy authentication required)' : '';
    return new HandshakeError(
      'ERR_PROXY_REFUSED',
      `the proxy ${target.proxy} answered ${status} to CONNECT ${target.edge}${why}`,
      details,
    );
  }
  const code = answerCode(status, edgeCode);
  const said = `edge answered ${status}${edgeCode ? ` ${edgeCode}` : ''}`;
  const by = ANSWERED_BY[code];
  return new HandshakeError(code, by ? `${by}: ${said}` : said, details);
}
