/**
 * The compose demo's tools image (infra/compose/tools.Dockerfile), built and run with podman: it
 * holds the runtime dependencies and wrangler, not the dev tree or a second Node, and it runs the
 * demo's own keygen and edge commands, read from infra/compose.yaml, with the edge's environment
 * from the same file. Only the edge's port changes (host networking here; 8787 may be taken). The
 * edge must be up and must accept the token keygen minted: an upgrade with it gets past the JWT
 * check to the origin (502, as no unwrapper runs), one without it gets 401.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildToolsImage, podman, ROOT } from './support/container-images.ts';
import { asRecord, environmentOf, readYaml } from './infra/infra-files.ts';
import { freePort } from './support/stack-fixture.ts';

const EDGE = `beats-gate-tools-edge-test-${process.pid}`;
const BUILD_LIMIT_MS = 8 * 60_000;

const compose = readYaml('infra/compose.yaml');
const service = (name: string) => asRecord(asRecord(compose.services, 'services')[name], name);
/** The `sh -ec` script of a service, as the container's shell sees it (`$$` is compose's `$`). */
const script = (name: string) =>
  ((service(name).command as string[])[2] ?? '').replaceAll('$$', '$');

/** The status of a WebSocket upgrade request to the edge's tunnel path. */
async function upgradeStatus(port: number, token?: string): Promise<number> {
  const req = request({
    host: '127.0.0.1',
    port,
    path: '/v1/tunnel',
    headers: {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
  });
  req.end();
  const [response] = (await once(req, 'response')) as [{ statusCode: number; resume(): void }];
  response.resume();
  return response.statusCode;
}

describe('the compose tools image under podman', () => {
  let image: string;
  let keys: string;
  let port: number;
  let edge: ChildProcess | undefined;
  const edgeLines: string[] = [];
  before(
    async () => {
      image = await buildToolsImage();
      keys = await mkdtemp(join(tmpdir(), 'bg-tools-keys-'));
      // The image runs as `node` (uid 1000), as in the demo's volume.
      await chmod(keys, 0o777);
      port = await freePort();
    },
    { timeout: BUILD_LIMIT_MS },
  );
  after(async () => {
    if (edge) {
      await podman(['rm', '--force', '--time', '0', EDGE]).catch(() => undefined);
      if (edge.exitCode === null) await once(edge, 'exit');
    }
    if (keys) await rm(keys, { recursive: true, force: true });
  });

  it('holds the runtime dependencies and wrangler at the locked version, no dev tree, one Node', async () => {
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    const listing = await podman([
      'run',
      '--rm',
      '--network',
      'host',
      image,
      'sh',
      '-c',
      'ls node_modules; ls node_modules/.bin; echo "wrangler $(wrangler --version)"; command -v node',
    ]);
    const names = new Set(listing.split('\n'));
    for (const present of ['jose', 'hono', 'ws', 'pino']) assert.ok(names.has(present), present);
    for (const absent of ['node', 'typescript', 'eslint', 'miniflare', 'fast-check', 'wrangler']) {
      assert.ok(!names.has(absent), `${absent} is in the image's node_modules`);
    }
    assert.ok(names.has(`wrangler ${lock.packages['node_modules/wrangler']!.version}`), listing);
    assert.ok(names.has('/usr/local/bin/node'), listing);
  });

  it("runs the demo's keygen, and its edge under wrangler dev accepts the token keygen minted", async () => {
    await podman(
      [
        'run',
        '--rm',
        '--network',
        'host',
        '--volume',
        `${keys}:/keys`,
        image,
        'sh',
        '-ec',
        script('keygen'),
      ],
      120_000,
    );
    const token = (await readFile(join(keys, 'token'), 'utf8')).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);

    const edgeService = service('edge');
    const args = [
      'run',
      '--rm',
      '--name',
      EDGE,
      '--network',
      'host',
      '--volume',
      `${keys}:/keys:ro`,
    ];
    args.push('--workdir', String(edgeService.working_dir));
    for (const [key, value] of Object.entries(environmentOf(edgeService)))
      args.push('--env', `${key}=${value}`);
    const command = script('edge').replace('--port 8787', `--port ${port}`);
    assert.notEqual(command, script('edge'), 'the edge command no longer names --port 8787');
    edge = spawn('podman', [...args, image, 'sh', '-ec', command], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    edge.stdout!.on('data', (chunk: Buffer) => edgeLines.push(chunk.toString()));
    edge.stderr!.on('data', (chunk: Buffer) => edgeLines.push(chunk.toString()));

    const deadline = Date.now() + 90_000;
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) break;
      if (edge.exitCode !== null || Date.now() > deadline) {
        assert.fail(
          `the edge did not come up (last status ${status}):\n${edgeLines.join('').slice(-3000)}`,
        );
      }
      await sleep(500);
    }
    assert.equal(await upgradeStatus(port), 401);
    assert.equal(await upgradeStatus(port, token), 502);
  });
});
