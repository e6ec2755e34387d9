/**
 * What the Lumberjack-aware mode costs: the same Filebeat-shaped run (2048-event windows,
 * compression level 3, pipelining 2: Filebeat's defaults) through the byte tunnel, `validate` and
 * `stamp`, each with the unwrapper in a child process of its own so its CPU time (event loop and
 * zlib thread pool) is measured alone. Sender, tunnel client and receiver run in this process.
 *
 *   node unwrapper/bench/stamping.ts [--events 300000] [--rounds 2] [--stamp-level N] [--json]
 *
 * --stamp-level adds a run of stamp mode with inspectCompressionLevel=N (for example 1: cheaper
 * re-compression, bigger C frames).
 *
 * Prints events/s per mode, stamp and validate relative to the byte tunnel (target: stamp at
 * least 50%), and the unwrapper's CPU seconds per million events.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { createReceiver, createSender, generateEvents } from '@beats-gate/lumberjack';
import {
  ASSERTION_HEADER,
  createAssertionSigner,
  generateAssertionKey,
  parseAssertionKeys,
  TUNNEL_PATH,
} from '@beats-gate/protocol';
import { WebSocket } from 'ws';

type Mode = 'off' | 'validate' | 'stamp' | `stamp-level-${number}`;

interface ChildReady {
  port: number;
}
interface ChildCpu {
  cpuMicros: number;
}

// ---- child: one unwrapper ----
if (process.argv[2] === '--child') {
  const { createUnwrapper } = await import('../src/index.ts');
  const mode = process.argv[3] as Mode;
  const level = /^stamp-level-(\d)$/.exec(mode)?.[1];
  const unwrapper = createUnwrapper({
    listen: { host: '127.0.0.1', port: 0 },
    adminListen: { host: '127.0.0.1', port: 0 },
    upstreams: [{ host: '127.0.0.1', port: Number(process.argv[4]) }],
    assertionKeys: parseAssertionKeys(process.env.BENCH_ASSERTION_KEY!),
    upstreamProbeIntervalMs: 0,
    defaultMetrics: false,
    logLevel: 'silent',
    inspect: level !== undefined ? 'stamp' : (mode as 'off' | 'validate' | 'stamp'),
    ...(level !== undefined ? { inspectCompressionLevel: Number(level) } : {}),
    inspectClaims: ['tenant'],
  });
  const { public: listening } = await unwrapper.listen();
  process.send!({ port: listening.port } satisfies ChildReady);
  process.on('message', (message: string) => {
    if (message === 'cpu') {
      const cpu = process.cpuUsage();
      process.send!({ cpuMicros: cpu.user + cpu.system } satisfies ChildCpu);
    } else if (message === 'stop') {
      void unwrapper.close().then(() => process.exit(0));
    }
  });
} else {
  await main();
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return once(child, 'message').then(([message]) => message as T);
}

/** A device-client stand-in: each Beats connection becomes one tunnel. */
async function startClient(url: string, key: string) {
  const sign = createAssertionSigner({ key: parseAssertionKeys(key)[0]! });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    socket.pause();
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: 256 * 1024 * 1024,
      finishRequest(req) {
        void sign({
          subject: 'bench-device',
          webSocketKey: String(req.getHeader('sec-websocket-key')),
          claims: { tenant: 'bench' },
        }).then((assertion) => {
          req.setHeader(ASSERTION_HEADER, assertion);
          req.end();
        });
      },
    });
    ws.on('open', () => {
      ws.on('message', (data: Buffer) => socket.write(data));
      socket.on('data', (chunk: Buffer) => ws.send(chunk));
      socket.resume();
    });
    ws.on('close', () => socket.destroySoon());
    ws.on('error', () => socket.destroy());
    socket.on('close', () => ws.terminate());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}

async function runOnce(mode: Mode, events: number, receiverPort: number, key: string) {
  const child = fork(import.meta.filename, ['--child', mode, String(receiverPort)], {
    env: { ...process.env, BENCH_ASSERTION_KEY: key },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await nextMessage<ChildReady>(child);
  const client = await startClient(`ws://127.0.0.1:${port}${TUNNEL_PATH}`, key);
  const sender = createSender({ host: '127.0.0.1', port: client.port });
  child.send('cpu');
  const before = (await nextMessage<ChildCpu>(child)).cpuMicros;
  const started = performance.now();
  const result = await sender.send(generateEvents(events, { runId: `bench-${mode}` }));
  const seconds = (performance.now() - started) / 1000;
  child.send('cpu');
  const after = (await nextMessage<ChildCpu>(child)).cpuMicros;
  sender.close();
  await client.close();
  child.send('stop');
  await once(child, 'exit');
  if (result.acked !== events) throw new Error(`${mode}: ${result.acked} of ${events} acked`);
  const cpuSeconds = (after - before) / 1e6;
  return { eventsPerSecond: events / seconds, cpuSecondsPerMillion: (cpuSeconds / events) * 1e6 };
}

async function main() {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '300000' },
      rounds: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
      'stamp-level': { type: 'string' },
    },
  });
  const MODES: Mode[] = ['off', 'validate', 'stamp'];
  if (values['stamp-level'] !== undefined)
    MODES.push(`stamp-level-${Number(values['stamp-level'])}`);
  const events = Number(values.events);
  const rounds = Number(values.rounds);
  const key = generateAssertionKey('bench');
  let received = 0;
  const receiver = createReceiver({
    port: 0,
    sink: (batch) => {
      received += batch.events.length;
      return Promise.resolve();
    },
  });
  const { port: receiverPort } = await receiver.listen();
  const best = new Map<Mode, { eventsPerSecond: number; cpuSecondsPerMillion: number }>();
  // Rounds alternate the modes so a noisy neighbour hurts them alike; the best round counts.
  for (let round = 0; round < rounds; round++) {
    for (const mode of MODES) {
      const figure = await runOnce(mode, events, receiverPort, key);
      const previous = best.get(mode);
      if (!previous || figure.eventsPerSecond > previous.eventsPerSecond) best.set(mode, figure);
    }
  }
  await receiver.close();
  const byte = best.get('off')!.eventsPerSecond;
  const rows = MODES.map((mode) => {
    const figure = best.get(mode)!;
    return {
      mode: mode === 'off' ? 'byte tunnel' : mode,
      eventsPerSecond: Math.round(figure.eventsPerSecond),
      relativeToByteTunnel: Math.round((figure.eventsPerSecond / byte) * 100) / 100,
      unwrapperCpuSecondsPerMillionEvents: Math.round(figure.cpuSecondsPerMillion * 100) / 100,
    };
  });
  if (values.json) {
    console.log(JSON.stringify({ events, rounds, received, rows }, null, 2));
    return;
  }
  console.log(
    `${events} events per run, best of ${rounds}; batch 2048, compression 3, pipelining 2`,
  );
  console.log('mode             events/s   vs byte   unwrapper CPU s / 1M events');
  for (const row of rows) {
    console.log(
      `${row.mode.padEnd(14)} ${String(row.eventsPerSecond).padStart(8)}   ${row.relativeToByteTunnel
        .toFixed(2)
        .padStart(7)}   ${row.unwrapperCpuSecondsPerMillionEvents.toFixed(2).padStart(6)}`,
    );
  }
  const stamp = rows.find((r) => r.mode === 'stamp')!;
  console.log(
    `stamp mode at ${Math.round(stamp.relativeToByteTunnel * 100)}% of the byte tunnel (target >= 50%)`,
  );
}
