import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { logDecision } from './log.ts';

describe('logDecision', () => {
  afterEach(() => mock.restoreAll());

  function capture() {
    const written: { method: string; line: Record<string, unknown> }[] = [];
    for (const method of ['log', 'info', 'warn', 'error'] as const) {
      mock.method(console, method, (text: string) =>
        written.push({ method, line: JSON.parse(text) as Record<string, unknown> }),
      );
    }
    return written;
  }

  it('writes the level, an ISO time and the service, like the Node services', () => {
    const written = capture();
    logDecision({ event: 'edge.tunnel', result: 'allowed', status: 101, subject: 'device-1' });
    const [{ method, line } = { method: '', line: {} }] = written;
    assert.equal(method, 'info');
    assert.equal(line.level, 'info');
    assert.equal(line.service, 'beats-gate-edge');
    assert.equal(line.event, 'edge.tunnel');
    assert.equal(line.subject, 'device-1');
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('logs refusals as warn and errors as error, through the matching console method', () => {
    const written = capture();
    logDecision({ event: 'edge.tunnel', result: 'refused', code: 'ERR_EDGE_TOKEN_EXPIRED' });
    logDecision({ event: 'edge.config', result: 'error', code: 'ERR_EDGE_CONFIG_INVALID' });
    logDecision({ event: 'edge.config', result: 'ok', notice: 'no DENYLIST binding' });
    assert.deepEqual(
      written.map(({ method, line }) => [method, line.level]),
      [
        ['warn', 'warn'],
        ['error', 'error'],
        ['info', 'info'],
      ],
    );
  });
});
