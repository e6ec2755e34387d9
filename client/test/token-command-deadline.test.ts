import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createClient, createTokenProvider } from '../src/index.ts';
import {
  captureLogger,
  clientConfig,
  connectBeats,
  listenerConfig,
  startEdge,
  tempDir,
  waitFor,
} from './helpers.ts';

const dir = await tempDir('beats-gate-deadline-');

/** State and process group of a process from /proc, or undefined once it is gone. */
function procStat(pid: number | string): { state: string; pgrp: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid pgrp …: comm may hold spaces, so read after its closing parenthesis.
  const [state = '', , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state, pgrp: Number(pgrp) };
}

/** Whether a process runs (a zombie no longer does: nothing may reap it in a container). */
function running(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** Running processes of a process group. */
function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => procStat(pid)?.pgrp === pgid && running(pid));
}

/**
 * A shell that writes its pid (its process group, since it leads one) and its `sleep` child's,
 * ignores SIGTERM (so does the child: an ignored signal stays ignored across exec) and waits.
 */
function stubbornCommand(name: string): { command: string; pids: () => Promise<number[]> } {
  const file = join(dir, name);
  return {
    command: `trap '' TERM; sleep 30 & echo "$$ $!" > '${file}'; wait`,
    pids: async () => (await readFile(file, 'utf8')).trim().split(' ').map(Number),
  };
}

const onLinux = process.platform === 'linux';

describe('token command deadline', { skip: !onLinux && 'reads /proc' }, () => {
  it('fails at the deadline and kills the whole process group, grandchild included', async () => {
    const { command, pids } = stubbornCommand('group');
    const provider = createTokenProvider(
      { type: 'command', command, timeoutMs: 300 },
      { refreshSkewMs: 60_000, oauthTimeoutMs: 5000 },
    );
    await assert.rejects(provider.get(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_TOKEN_COMMAND');
      assert.equal(
        error.message,
        'token command timed out after 300 ms; its process group was killed',
      );
      return true;
    });
    const [pgid = 0, sleeper = 0] = await pids();
    assert.ok(pgid > 0 && sleeper > 0 && pgid !== sleeper);
    await waitFor(() => groupMembers(pgid).length === 0, `process group ${pgid} to be gone`);
    assert.ok(!running(pgid) && !running(sleeper), 'the command or its sleep still runs');
  });

  it('says so when the command exited but a child kept its output open', async () => {
    const provider = createTokenProvider(
      { type: 'command', command: 'sleep 30 & echo started', timeoutMs: 300 },
      { refreshSkewMs: 60_000, oauthTimeoutMs: 5000 },
    );
    await assert.rejects(
      provider.get(),
      /timed out after 300 ms \(it ended with exit status 0, but a process it started kept its output open\)/,
    );
  });

  it('releases the Beats connection at the deadline and logs the timeout as the reason', async () => {
    const { command, pids } = stubbornCommand('listener');
    const edge = await startEdge();
    const logs = captureLogger();
    const client = createClient(
      clientConfig([listenerConfig(edge.url, { type: 'command', command, timeoutMs: 300 })]),
      { logger: logs.logger },
    );
    try {
      const port = (await client.listen()).listeners[0]?.port ?? 0;
      const beats = await connectBeats(port);
      // Bounded by the helper's wait, far below the command's 30 s: held past the deadline fails.
      await beats.closed;
      const failure = logs.events.find((e) => e.event === 'handshake_failed');
      assert.equal(failure?.code, 'ERR_TOKEN_COMMAND');
      assert.equal(failure?.part, 'token');
      assert.match(String(failure?.reason), /^token command timed out after 300 ms/);
      assert.equal(edge.requests.length, 0);
      const [pgid = 0, sleeper = 0] = await pids();
      await waitFor(() => groupMembers(pgid).length === 0, 'the command group to be gone');
      assert.ok(!running(pgid) && !running(sleeper), 'the command or its sleep still runs');
    } finally {
      await client.close();
      await edge.close();
    }
  });

  it('kills the start-up run of the command when the client stops', async () => {
    const { command, pids } = stubbornCommand('close');
    const client = createClient(
      clientConfig([
        listenerConfig('ws://127.0.0.1:9/v1/tunnel', {
          type: 'command',
          command,
          timeoutMs: 60_000,
        }),
      ]),
      { logger: captureLogger().logger },
    );
    const started = client.listen();
    let pgid = 0;
    await waitFor(() => {
      try {
        pgid = Number(readFileSync(join(dir, 'close'), 'utf8').split(' ')[0]);
      } catch {
        return false;
      }
      return pgid > 0;
    }, 'the command to start');
    assert.ok(groupMembers(pgid).length > 0);
    await client.close();
    await assert.rejects(started, /stopped while starting/);
    await waitFor(() => groupMembers(pgid).length === 0, 'the command group to be gone');
    const [, sleeper = 0] = await pids();
    assert.ok(!running(sleeper), 'the sleep still runs');
  });
});
