// The token step's deadline: the token command's processes go with it, none outlives the report.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { within } from '@beats-gate/kit';
import { createTokenProvider } from '../token/create-token-provider.ts';
import { tempDir, waitFor } from '../../test/helpers.ts';
import { relative, tokenStep } from './token-step.ts';
import type { TokenSource } from '../config/types.ts';

const dir = await tempDir('beats-gate-token-step-');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('token step', () => {
  it('kills a token command that is still running at the deadline', async () => {
    const pidFile = join(dir, 'pid');
    const source: TokenSource = {
      type: 'command',
      command: `sleep 60 & echo $! > ${pidFile}; wait`,
      timeoutMs: 120_000,
    };
    const tokens = createTokenProvider(source, { refreshSkewMs: 0, oauthTimeoutMs: 1000 });
    const step = tokenStep('token', source, tokens);
    assert.equal(step.limitMs, 125_000);
    const controller = new AbortController();
    const outcome = step.run(controller.signal);
    await waitFor(
      () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '',
      'the command to start',
    );
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(alive(sleeper));
    controller.abort();
    const result = await within(Promise.resolve(outcome), 'the step to end after its deadline');
    assert.equal(result.ok, false);
    await waitFor(() => !alive(sleeper), 'the command’s child to be killed');
  });

  it('says how far off an expiry is, in the unit that reads best', () => {
    assert.equal(relative(30_000), 'in less than a minute');
    assert.equal(relative(14 * 60_000), 'in 14 min');
    assert.equal(relative(-3 * 3_600_000), '3 h ago');
    assert.equal(relative(5 * 86_400_000), 'in 5 days');
  });
});
