/**
 * How every long-running beats-gate service starts and stops: listen, then on SIGTERM or SIGINT
 * drain (exit 0 when done, 1 when stopping fails), and on a second signal close at once. A
 * service that cannot start logs why and exits 1. A hard limit ends a stop that hangs, since a
 * service manager expects the process gone within its own timeout.
 */
import type { Logger } from '../log/create-logger.ts';

export interface Service {
  readonly logger: Logger;
  listen(): Promise<unknown>;
  /** The graceful stop (grace period, drains). */
  drain(): Promise<void>;
  /** Stop now; also what undoes a failed start. */
  close(): Promise<void>;
}

export async function serveUntilSignal(
  service: Service,
  options: { hardLimitMs?: number } = {},
): Promise<void> {
  const { logger } = service;
  let stopping = false;
  function onSignal(signal: NodeJS.Signals) {
    if (stopping) {
      logger.warn({ event: 'shutdown_forced', signal }, 'second signal: closing now');
      void service.close();
      return;
    }
    stopping = true;
    logger.info({ event: 'shutdown_started', signal }, 'shutting down');
    if (options.hardLimitMs !== undefined) {
      setTimeout(() => process.exit(0), options.hardLimitMs).unref();
    }
    service.drain().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ event: 'shutdown_failed', err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  }
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await service.listen();
  } catch (error) {
    const code = (error as { code?: string }).code;
    logger.fatal({ event: 'start_failed', code, err: error }, 'cannot start');
    process.exitCode = 1;
    await service.close();
  }
}
