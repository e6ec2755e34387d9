import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialTarget, trackPhases } from './dial-phase.ts';

const phaseOf = (url: string, proxy?: string) => trackPhases(dialTarget(new URL(url), proxy)).phase;

describe('trackPhases', () => {
  it('starts at the proxy, at DNS for a name, and at TCP for an address', () => {
    assert.equal(phaseOf('wss://edge.example/v1/tunnel', 'proxy.local:3128'), 'proxy');
    assert.equal(phaseOf('wss://edge.example/v1/tunnel'), 'dns');
    assert.equal(phaseOf('wss://192.0.2.7/v1/tunnel'), 'tcp');
    assert.equal(phaseOf('ws://[::1]:8787/v1/tunnel'), 'tcp');
  });

  it('writes the default port out', () => {
    assert.equal(
      dialTarget(new URL('wss://edge.example/v1/tunnel'), undefined).edge,
      'edge.example:443',
    );
    assert.equal(dialTarget(new URL('ws://127.0.0.1/v1/tunnel'), undefined).edge, '127.0.0.1:80');
  });
});
