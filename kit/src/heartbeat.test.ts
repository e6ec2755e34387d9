import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHeartbeat } from './heartbeat.ts';

describe('heartbeat', () => {
  it('gives up after two missed pongs, not before', () => {
    let pings = 0;
    let timedOut = false;
    const heartbeat = createHeartbeat({
      intervalMs: 0,
      ping: () => pings++,
      onTimeout: () => (timedOut = true),
    });
    heartbeat.tick();
    heartbeat.tick();
    assert.equal(timedOut, false);
    assert.equal(pings, 2);
    heartbeat.tick();
    assert.equal(timedOut, true);
    assert.equal(pings, 2);
  });

  it('does not count intervals while the peer is not being read', () => {
    let paused = false;
    let timedOut = false;
    const heartbeat = createHeartbeat({
      intervalMs: 0,
      ping: () => {},
      onTimeout: () => (timedOut = true),
      skip: () => paused,
    });
    heartbeat.tick();
    paused = true;
    for (let i = 0; i < 10; i++) heartbeat.tick();
    paused = false;
    heartbeat.tick();
    heartbeat.tick();
    assert.equal(timedOut, false);
    heartbeat.tick();
    assert.equal(timedOut, true);
  });

  it('a pong resets the count', () => {
    let timedOut = false;
    const heartbeat = createHeartbeat({
      intervalMs: 0,
      ping: () => {},
      onTimeout: () => (timedOut = true),
    });
    for (let i = 0; i < 10; i++) {
      heartbeat.tick();
      heartbeat.alive();
    }
    heartbeat.tick();
    heartbeat.tick();
    assert.equal(timedOut, false);
  });
});
