import type { Socket } from 'node:net';
import { silentLogger } from '../receiver/types.ts';
import { createBackoff } from './backoff.ts';
import { dial } from './dial.ts';
import { SenderError, errorCode } from './errors.ts';
import type { Session, SessionState } from './session.ts';
import { startSession } from './session.ts';
import type { SendResult, Sender, SenderOptions } from './types.ts';
import { createWindowSource } from './window-source.ts';

const FATAL = new Set(['ERR_LJ_SENDER_BAD_EVENT', 'ERR_LJ_SENDER_INPUT_FAILED']);

/**
 * A Filebeat-compatible Lumberjack v2 sender (libbeat's Logstash output over go-lumber): windows
 * of batchSize events, pipelined, with at-least-once delivery across any failure.
 */
export function createSender(options: SenderOptions): Sender {
  const settings = validate(options);
  const logger = options.logger ?? silentLogger;
  let closed = false;
  let socket: Socket | undefined;
  let session: Session | undefined;
  let cancelSleep: (() => void) | undefined;
  /** What the latest send() achieved so far (it keeps counting until that send settles). */
  let latest: (() => SendResult) | undefined;

  function closedError(): SenderError {
    return new SenderError('ERR_LJ_SENDER_CLOSED', 'the sender was closed');
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      cancelSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async function send(events: Parameters<Sender['send']>[0]): Promise<SendResult> {
    const startedAt = performance.now();
    const state: SessionState = {
      pending: [],
      source: createWindowSource(events, settings.batchSize, settings.compressionLevel),
      exhausted: false,
      acked: 0,
      sent: 0,
      resends: 0,
    };
    const backoff = createBackoff(settings.backoffInitialMs, settings.backoffMaxMs, options.random);
    let connections = 0;
    let failures = 0;
    let progressed = false;
    const result = (): SendResult => ({
      acked: state.acked,
      sent: state.sent,
      resends: state.resends,
      connections,
      durationMs: performance.now() - startedAt,
    });
    const withResult = (err: unknown): unknown => {
      if (err instanceof SenderError) err.result = result();
      return err;
    };
    latest = result;
    for (;;) {
      if (closed) throw withResult(closedError());
      try {
        const attempt = dial(options, settings.timeoutMs);
        socket = attempt.socket;
        const s = await attempt.connected;
        if (closed) {
          s.destroy();
          throw closedError();
        }
        connections++;
        logger.info(
          { event: 'connected', host: options.host, port: options.port, connections },
          'connected',
        );
        session = startSession(s, state, settings, () => (progressed = true));
        await session.done;
        s.end();
        return result();
      } catch (err) {
        session = undefined;
        socket?.destroy();
        if (closed) throw withResult(closedError());
        if (FATAL.has(errorCode(err))) throw withResult(err);
        if (progressed) {
          progressed = false;
          failures = 0;
          backoff.reset();
        }
        failures++;
        const unacked = state.pending.reduce((n, w) => n + w.payloads.length - w.done, 0);
        if (failures >= settings.maxAttempts) {
          throw withResult(
            new SenderError(
              'ERR_LJ_SENDER_GAVE_UP',
              `gave up after ${failures} failed attempt(s): ${state.acked} events acknowledged, ${unacked} in flight unacknowledged`,
              { cause: err },
            ),
          );
        }
        const waitMs = backoff.next();
        logger.warn(
          {
            event: 'send_failed',
            code: errorCode(err),
            error: err instanceof Error ? err.message : String(err),
            attempt: failures,
            backoffMs: waitMs,
            unackedWindows: state.pending.length,
            unackedEvents: unacked,
          },
          'send failed: reconnecting to resend unacknowledged windows',
        );
        await sleep(waitMs);
      }
    }
  }

  return {
    send,
    progress: () => latest?.(),
    close() {
      closed = true;
      session?.abort(closedError());
      socket?.destroy();
      cancelSleep?.();
    },
  };
}

function validate(options: SenderOptions) {
  const problems: string[] = [];
  const int = (
    name: string,
    value: number | undefined,
    min: number,
    max = Number.MAX_SAFE_INTEGER,
  ) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
    }
  };
  if (typeof options.host !== 'string' || options.host === '') problems.push('host is required');
  int('port', options.port, 1, 65535);
  int('batchSize', options.batchSize, 1);
  int('compressionLevel', options.compressionLevel, 0, 9);
  int('pipelining', options.pipelining, 0, 1000);
  int('timeoutMs', options.timeoutMs, 1);
  int('backoffInitialMs', options.backoffInitialMs, 0);
  int('backoffMaxMs', options.backoffMaxMs, 0);
  const attempts = options.maxAttempts;
  if (attempts !== undefined && attempts !== Infinity) int('maxAttempts', attempts, 1);
  if (problems.length > 0) {
    throw new SenderError(
      'ERR_LJ_SENDER_OPTIONS',
      `invalid sender options: ${problems.join('; ')}`,
    );
  }
  return {
    batchSize: options.batchSize ?? 2048,
    compressionLevel: options.compressionLevel ?? 3,
    maxInFlight: (options.pipelining ?? 2) + 1,
    timeoutMs: options.timeoutMs ?? 30000,
    backoffInitialMs: options.backoffInitialMs ?? 1000,
    backoffMaxMs: options.backoffMaxMs ?? 60000,
    maxAttempts: attempts ?? Infinity,
  };
}
