import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeProxy, proxyFor } from './agent.ts';

describe('proxyFor', () => {
  const url = new URL('wss://telemetry.example.com/v1/tunnel');

  it('prefers the explicit proxy, and "direct" means none', () => {
    assert.equal(proxyFor(url, 'http://proxy.local:3128'), 'http://proxy.local:3128');
    assert.equal(proxyFor(url, 'direct'), undefined);
  });

  it('keeps credentials out of the description', () => {
    assert.equal(describeProxy(url, 'http://user:pw@proxy.local:3128'), 'http://proxy.local:3128');
  });
});
