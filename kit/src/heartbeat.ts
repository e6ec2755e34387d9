/**
 * WebSocket pings on an interval; two intervals without a pong means the path is dead (a CDN or
 * NAT dropped it silently), so the tunnel is terminated rather than left to hold Beats' data.
 */
export interface HeartbeatOptions {
  intervalMs: number;
  ping: () => void;
  onTimeout: () => void;
  /** Pongs that may be missed before giving up; 2, as docs/design.md says. */
  maxMissed?: number;
  /**
   * True while we are not reading the peer (backpressure from Logstash): its pongs wait unread in
   * the socket, so silence proves nothing and the interval is skipped rather than counted.
   */
  skip?: () => boolean;
  onSkip?: () => void;
}

export function createHeartbeat(options: HeartbeatOptions) {
  const maxMissed = options.maxMissed ?? 2;
  let missed = 0;
  let awaiting = false;
  let timer: NodeJS.Timeout | undefined;

  function tick() {
    if (options.skip?.()) {
      awaiting = false;
      missed = 0;
      options.onSkip?.();
      return;
    }
    if (awaiting) missed++;
    if (missed >= maxMissed) {
      stop();
      options.onTimeout();
      return;
    }
    awaiting = true;
    options.ping();
  }

  function stop() {
    clearInterval(timer);
    timer = undefined;
  }

  return {
    start() {
      if (timer || options.intervalMs <= 0) return;
      timer = setInterval(tick, options.intervalMs);
      timer.unref();
    },
    stop,
    alive() {
      awaiting = false;
      missed = 0;
    },
    /** For tests: one interval elapsing. */
    tick,
  };
}
