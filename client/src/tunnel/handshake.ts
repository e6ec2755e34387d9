import type { Agent, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { HandshakeError } from '../errors.ts';
import { parseRetryAfter } from './backoff.ts';
import { answerFailure, networkFailure, timeoutFailure } from './dial-failure.ts';
import { dialTarget, trackPhases } from './dial-phase.ts';

export interface HandshakeOptions {
  readonly url: URL;
  readonly token: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Largest message accepted from the edge (Logstash → Beats carries only acks). */
  readonly maxPayload: number;
  readonly agent?: Agent;
  /** The proxy's `host:port` when `agent` goes through one: failures before CONNECT name it. */
  readonly proxy?: string;
  readonly ca?: string;
  /** Aborts the handshake (the Beats socket went away, or the client is shutting down). */
  readonly signal?: AbortSignal;
}

const BODY_LIMIT = 4096;

/**
 * The masking key of every frame the client sends: all zero, so ws neither copies nor XORs the
 * payload (it sends header and payload as they are), and a ws receiver skips unmasking. RFC 6455
 * (section 10.3) asks for unpredictable keys so that script in a browser cannot choose the bytes
 * a proxy that does not know WebSocket sees on the wire. Here no script is on the path, and the
 * client speaks ws:// only to a loopback host (client-kinds.ts): towards any network the frames
 * are inside TLS, where no such proxy reads them. Receivers cannot tell a zero key from another.
 */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/** The stable error code of the edge's JSON body, if any; the body itself is never logged. */
function edgeCodeOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    const code = json.code ?? json.error;
    return typeof code === 'string' ? code.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens one WebSocket to the edge: bearer token in the Authorization header (never the URL), no
 * compression (Lumberjack windows are already zlib-compressed, and inflating would cost memory per
 * tunnel), a hard time limit, and a typed error that says what the edge answered.
 */
export function openWebSocket(options: HandshakeOptions): Promise<WebSocket> {
  const target = dialTarget(options.url, options.proxy);
  const phases = trackPhases(target);
  return new Promise((resolve, reject) => {
    let failure: HandshakeError | undefined;
    const ws = new WebSocket(options.url, {
      headers: { ...options.headers, authorization: `Bearer ${options.token}` },
      perMessageDeflate: false,
      // The tunnel's join answers pings itself, counting unread pongs like data (kit join).
      autoPong: false,
      // No handshakeTimeout: the timer below is the one deadline, and it says so with a code
      // rather than in ws's message text.
      maxPayload: options.maxPayload,
      generateMask: zeroMask,
      followRedirects: false,
      finishRequest: (request) => phases.watch(request),
      ...(options.agent ? { agent: options.agent } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
    });
    const fail = (error: HandshakeError) => {
      failure ??= error;
      ws.terminate();
    };
    const timer = setTimeout(
      () => fail(timeoutFailure(phases.phase, target, options.timeoutMs)),
      options.timeoutMs,
    );
    const onAbort = () =>
      fail(new HandshakeError('ERR_HANDSHAKE_ABORTED', 'handshake aborted', {}));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      ws.off('open', onOpen);
      ws.off('unexpected-response', onUnexpectedResponse);
      ws.off('error', onError);
      ws.off('close', onClose);
    };
    function onOpen() {
      settle();
      resolve(ws);
    }
    function onUnexpectedResponse(_req: unknown, res: IncomingMessage) {
      const status = res.statusCode ?? 0;
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < BODY_LIMIT) chunks.push(chunk);
        size += chunk.length;
        if (size >= BODY_LIMIT) res.destroy();
      });
      const done = () => {
        const edgeCode = edgeCodeOf(Buffer.concat(chunks).toString('utf8').slice(0, BODY_LIMIT));
        const answer = {
          status,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          ...(edgeCode === undefined ? {} : { edgeCode }),
        };
        fail(answerFailure(answer, phases.proxyStatus, target));
      };
      res.once('end', done);
      res.once('close', done);
      res.once('error', done);
    }
    function onError(error: NodeJS.ErrnoException) {
      failure ??= networkFailure(error, phases.phase, target);
    }
    function onClose() {
      settle();
      reject(
        failure ??
          networkFailure(new Error('connection closed during the handshake'), phases.phase, target),
      );
    }
    ws.on('open', onOpen);
    ws.on('unexpected-response', onUnexpectedResponse);
    ws.on('error', onError);
    ws.on('close', onClose);
  });
}
