/**
 * The `npm start` contract (issue 6): the banner, a line with `ready` once everything listens,
 * events sent with `npm run send` land in events.ndjson, and SIGTERM stops every child within 5 s.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePorts } from './support/stack-fixture.ts';

const root = resolve(import.meta.dirname, '..');

function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}

describe('npm start', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('prints the banner and ready, carries events, and stops on SIGTERM within 5 s', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bg-start-'));
    dirs.push(dir);
    const ports = await freePorts();
    const child = spawn(
      process.execPath,
      [
        join(root, 'dev/start.ts'),
        '--dir',
        join(dir, '.dev'),
        ...Object.entries(ports).flatMap(([name, port]) => [`--${name}-port`, String(port)]),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    const lines = createInterface({ input: child.stdout });
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const ready = new Promise<void>((done, fail) => {
      lines.on('line', (line) => {
        output.push(line);
        if (/\bready\b/.test(line)) done();
      });
      child.once('exit', (code) => fail(new Error(`npm start exited (${code}) before ready`)));
    });
    try {
      await ready;
      const text = output.join('\n');
      assert.match(text, new RegExp(`hosts: \\["127\\.0\\.0\\.1:${ports.client}"\\]`));
      assert.match(text, /output\.logstash/);

      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(root, 'dev/send.ts'), '--count', '5000'],
        { cwd: root, env: { ...process.env, BEATS_GATE_DEV_CLIENT_PORT: String(ports.client) } },
      );
      assert.match(stdout, /acked 5000\/5000/);
      const events = (await readFile(join(dir, '.dev/events.ndjson'), 'utf8')).trim().split('\n');
      assert.equal(events.length, 5000);
    } catch (error) {
      t.diagnostic(output.join('\n').slice(-5000));
      throw error;
    } finally {
      const started = Date.now();
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      const stoppedIn = Date.now() - started;
      assert.ok(stoppedIn < 5000, `npm start took ${stoppedIn} ms to stop`);
    }
    for (const port of Object.values(ports) as number[]) {
      assert.equal(await listening(port), false, `something still listens on ${port}`);
    }
  });
});
