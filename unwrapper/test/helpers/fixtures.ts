/**
 * Fixtures for socket tests: a raw upstream with an unwrapper dialing it, started in one line and
 * closed once per describe().
 */
import { after } from 'node:test';
import { createMemorySink, createReceiver } from '@beats-gate/lumberjack';
import type { UnwrapperOptions } from '../../src/index.ts';
import { startRawUpstream, startUnwrapper, type Harness, type RawUpstream } from './harness.ts';

/** The lumberjack receiver standing in for Logstash, and what it acknowledged. */
export interface LogstashFixture {
  port: number;
  memory: ReturnType<typeof createMemorySink>;
}

export interface TunnelFixture {
  upstream: RawUpstream;
  harness: Harness;
  /** Closes the unwrapper, then its upstream. */
  close(): Promise<void>;
}

/** The setup most socket tests share: a raw upstream and an unwrapper dialing only it. */
export async function startTunnelFixture(
  options: Partial<UnwrapperOptions> = {},
): Promise<TunnelFixture> {
  const upstream = await startRawUpstream();
  let harness: Harness;
  try {
    harness = await startUnwrapper({
      upstreams: [{ host: '127.0.0.1', port: upstream.port }],
      ...options,
    });
  } catch (error) {
    await upstream.close();
    throw error;
  }
  return {
    upstream,
    harness,
    async close() {
      await harness.unwrapper.close();
      await upstream.close();
    },
  };
}

/**
 * Starts what the tests of the calling describe() need and closes all of it, newest first, in
 * one after() hook registered here: call it in the describe body, not in a test.
 */
export function useFixtures() {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return {
    /** A raw upstream and an unwrapper dialing it, with these options. */
    async tunnel(options: Partial<UnwrapperOptions> = {}): Promise<TunnelFixture> {
      const fixture = await startTunnelFixture(options);
      closers.push(() => fixture.close());
      return fixture;
    },
    /** An unwrapper alone, for tests that choose its upstreams (several, a closed port, TLS). */
    async unwrapper(options: Parameters<typeof startUnwrapper>[0]): Promise<Harness> {
      const harness = await startUnwrapper(options);
      closers.push(() => harness.unwrapper.close());
      return harness;
    },
    /** The lumberjack package's Logstash-compatible receiver, keeping what it acks in memory. */
    async logstash(): Promise<LogstashFixture> {
      const memory = createMemorySink();
      const receiver = createReceiver({ port: 0, sink: memory.sink });
      const { port } = await receiver.listen();
      closers.push(() => receiver.close());
      return { port, memory };
    },
    /** A raw upstream alone. */
    async upstream(): Promise<RawUpstream> {
      const upstream = await startRawUpstream();
      closers.push(() => upstream.close());
      return upstream;
    },
  };
}
