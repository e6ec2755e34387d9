/**
 * The unwrapper's image, built from infra/unwrapper.Dockerfile and run with podman the way an
 * operator runs it: non-root (an arbitrary uid, not even the image's `node`), read-only root
 * filesystem, host networking. It must pass its own health check, carry a tunnel from the real
 * client and edge to a receiver with every event delivered exactly once, and stop with exit 0 on
 * SIGTERM. Podman is required: without it this fails with what to install, it does not skip.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildUnwrapperImage, podman, ROOT, standInNodeImage } from './support/container-images.ts';
import { runDelivery } from './support/delivery-run.ts';
import { useStackWithReceiver } from './support/stack-fixture.ts';

const NAME = `beats-gate-unwrapper-test-${process.pid}`;
const USER = '10001:10001';
// The first run on a machine fetches Debian and Node; later runs reuse both and the layers.
const BUILD_LIMIT_MS = 8 * 60_000;

describe('the root .dockerignore, as podman applies it', () => {
  it('keeps keys, dependencies, build output and git history out of the build context', async () => {
    const base = await standInNodeImage();
    const context = await mkdtemp(join(tmpdir(), 'bg-context-'));
    const tag = `localhost/beats-gate-context-probe:${process.pid}`;
    try {
      const planted = {
        sent: ['unwrapper/src/index.ts', 'infra/compose/filebeat.yml', 'package.json'],
        kept: [
          '.git/HEAD',
          '.dev/assertion-keys.txt',
          'node_modules/ws/index.js',
          'unwrapper/node_modules/x/index.js',
          'keys/token',
          'dist/release/SHA256SUMS',
          'client/dist/client.js',
          'bench-results/latest.json',
          'edge-worker/.dev.vars',
          'edge-worker/.wrangler/state',
          'tls/server.key',
          'tls/server.pem',
          'signing.jwk.json',
          'unwrapper/src/index.test.ts',
          'unwrapper/test/container.test.ts',
        ],
      };
      for (const path of [...planted.sent, ...planted.kept]) {
        await mkdir(join(context, path, '..'), { recursive: true });
        await writeFile(join(context, path), 'planted\n');
      }
      await writeFile(join(context, '.dockerignore'), await readFile(join(ROOT, '.dockerignore')));
      await writeFile(join(context, 'Containerfile'), `FROM ${base}\nCOPY . /context\n`);
      await podman(['build', '--network', 'host', '--tag', tag, context]);
      const listing = await podman([
        'run',
        '--rm',
        '--network',
        'host',
        tag,
        'find',
        '/context',
        '-type',
        'f',
      ]);
      const sent = new Set(listing.split('\n').map((line) => line.replace('/context/', '')));
      for (const path of planted.sent) assert.ok(sent.has(path), `${path} must be sent`);
      for (const path of planted.kept) assert.ok(!sent.has(path), `${path} must stay out`);
    } finally {
      await podman(['rmi', '--force', tag]).catch(() => undefined);
      await rm(context, { recursive: true, force: true });
    }
  });
});

describe('the unwrapper image under podman', () => {
  let image: string;
  before(
    async () => {
      image = await buildUnwrapperImage();
    },
    { timeout: BUILD_LIMIT_MS },
  );
  const chain = useStackWithReceiver();
  let container: { child: ChildProcess; exited: Promise<number | null> } | undefined;

  // The stack's own unwrapper makes way: the image takes its ports with the same settings, so the
  // edge's tunnels go to the container. The admin address is given as a flag, which the image's
  // health check has to find on the command line of the container's process.
  before(async () => {
    const { stack, logs } = chain.fixture;
    await stack.stop('unwrapper');
    const spec = stack.parts.find((part) => part.name === 'unwrapper')!;
    const { BEATS_GATE_UNWRAPPER_ADMIN_LISTEN: admin, ...env } = spec.env as Record<string, string>;
    const args = [
      'run',
      '--rm',
      '--name',
      NAME,
      '--network',
      'host',
      '--read-only',
      '--user',
      USER,
    ];
    for (const [key, value] of Object.entries(env)) args.push('--env', `${key}=${value}`);
    const child = spawn('podman', [...args, image, '--admin-listen', admin!], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => logs.push(`[container] ${line}`));
    }
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    container = { child, exited };
    await waitHealthy(60_000);
  });

  after(async () => {
    if (!container) return;
    await podman(['rm', '--force', '--time', '0', NAME]).catch(() => undefined);
    await container.exited;
  });

  it('runs as a non-root user on a read-only root filesystem', async () => {
    const probe = await podman([
      'exec',
      NAME,
      'node',
      '-e',
      `let write = 'written';
       try { require('node:fs').writeFileSync('/app/probe', ''); } catch (error) { write = error.code; }
       process.stdout.write(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), write }));`,
    ]);
    assert.deepEqual(JSON.parse(probe), { uid: 10001, gid: 10001, write: 'EROFS' });
  });

  it('passes its health check, which reads the admin address from the flag', async () => {
    assert.equal(await healthCheck(), 0);
    const inspected = await podman(['inspect', '--format', '{{.State.Health.Status}}', NAME]);
    assert.equal(inspected.trim(), 'healthy');
  });

  it('delivers every event exactly once through a tunnel from the client and the edge', async () => {
    const { stack, logs } = chain.fixture;
    const count = 20_000;
    const outcome = await runDelivery({
      clientPort: stack.ports.client,
      receiver: chain.receiver,
      count,
      batchSize: 1000,
      deadlineMs: 120_000,
    });
    assert.equal(outcome.result.acked, count);
    assert.deepEqual(outcome.missing, []);
    assert.equal(outcome.duplicates, 0);
    assert.equal(outcome.result.connections, 1);
    // The tunnel went through the container, not through an unwrapper left running on the host.
    assert.ok(
      logs.some(
        (line) => line.startsWith('[container]') && line.includes('"event":"tunnel_opened"'),
      ),
    );
  });

  it('drains and exits 0 on SIGTERM (podman stop)', async () => {
    await podman(['stop', '--time', '20', NAME]);
    assert.equal(await container!.exited, 0);
    const { logs } = chain.fixture;
    assert.ok(
      logs.some(
        (line) => line.startsWith('[container]') && line.includes('"event":"drain_finished"'),
      ),
    );
  });

  /** `podman healthcheck run`: 0 when healthy, else what the check said. */
  async function healthCheck(): Promise<0 | string> {
    return podman(['healthcheck', 'run', NAME]).then(
      () => 0 as const,
      (error: Error) => error.message,
    );
  }

  /** Polls the health check until it passes; fails once the container exits or time is up. */
  async function waitHealthy(limitMs: number): Promise<void> {
    const deadline = Date.now() + limitMs;
    for (let said = await healthCheck(); said !== 0; said = await healthCheck()) {
      const exited = container!.child.exitCode;
      if (exited !== null || Date.now() > deadline) {
        const logs = chain.fixture.logs.filter((line) => line.startsWith('[container]'));
        throw new Error(
          `${exited === null ? `not healthy after ${limitMs} ms` : `the container exited ${exited}`}` +
            `; the health check said:\n${said}\nthe container said:\n${logs.slice(-40).join('\n')}`,
        );
      }
      await sleep(250);
    }
  }
});
