import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateAssertionKey, parseAssertionKeys } from '@beats-gate/protocol';
import { assertionKeysStep } from './assertion-keys-step.ts';

const signal = new AbortController().signal;

describe('assertion keys step', () => {
  it('proves every key signs and verifies, naming the current kid first', async () => {
    const keys = parseAssertionKeys(`${generateAssertionKey('k2')},${generateAssertionKey('k1')}`);
    const outcome = await assertionKeysStep(keys).run(signal);
    assert.deepEqual(outcome, {
      ok: true,
      detail: '2 keys usable: k2, also accepted: k1; the edge must sign with one of these kids',
    });
  });

  it('fails without a key, naming where the keys come from', async () => {
    const outcome = await assertionKeysStep([]).run(signal);
    assert.ok(!outcome.ok);
    assert.match(outcome.fix, /assertionKeysFile .* ASSERTION_KEYS/);
  });
});
