/**
 * `npm run drill` stopped from outside: SIGTERM once the drill is up ends it with 130, and with
 * it every process it started (HAProxy and Prometheus are plain children, which a dying parent
 * would otherwise leave running).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { within } from '@beats-gate/kit';
import { processTree } from '../bench/lib/proc-stats.ts';
import { pollUntil } from '../drill/lib/poll.ts';
import { missingToolsReason } from '../drill/lib/setup.ts';
import { repoPath } from './infra/infra-files.ts';

// CI installs both (.ci/run); elsewhere the suite says why it did not run.
const skip = !process.env.CI && missingToolsReason();

/** Alive: listed in /proc and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('npm run drill stopped with SIGTERM', { skip, timeout: 180_000 }, () => {
  it('exits 130 and leaves none of its processes running', async () => {
    const out = await mkdtemp(join(tmpdir(), 'bg-drill-stop-'));
    const drill = spawn(process.execPath, [repoPath('drill/run.ts'), '--short', '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) => drill.once('exit', resolve));
    try {
      const up = new Promise<void>((resolve) => {
        for (const stream of [drill.stdout, drill.stderr]) {
          createInterface({ input: stream }).on('line', (line) => {
            lines.push(line);
            if (line.startsWith('up: ')) resolve();
          });
        }
      });
      await within(up, () => `the drill to be up:\n${lines.join('\n')}`, 120_000);
      const started = processTree(drill.pid!).slice(1);
      const names = started.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      assert.ok(
        names.some((name) => name.startsWith('haproxy')),
        'no haproxy child',
      );
      assert.ok(
        names.some((name) => name.startsWith('prometheus')),
        'no prometheus child',
      );

      drill.kill('SIGTERM');
      assert.equal(await within(exited, 'the drill to exit', 60_000), 130, lines.join('\n'));
      await pollUntil(
        'every process the drill started to be gone',
        () => {
          const left = started.filter(alive);
          if (left.length > 0) throw new Error(`still running: ${left.join(', ')}`);
          return true;
        },
        15_000,
      );
    } finally {
      drill.kill('SIGKILL');
      await rm(out, { recursive: true, force: true });
    }
  });
});
