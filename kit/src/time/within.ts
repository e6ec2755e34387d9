/**
 * A promise with a deadline: `promise`, or a rejection naming `what` (read when the time is up)
 * once `limitMs` has passed. Every bounded wait of the services and their tests goes through it,
 * so a peer that never answers fails with what it failed to do instead of hanging.
 */
export const WAIT_LIMIT_MS = 10_000;

export async function within<T>(
  promise: Promise<T>,
  what: string | (() => string),
  limitMs = WAIT_LIMIT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const named = typeof what === 'function' ? what() : what;
      reject(new Error(`timed out after ${limitMs} ms waiting for ${named}`));
    }, limitMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
