import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatHostPort, isLoopbackHost, parseHostPort } from './host-port.ts';

function problem(text: string, minPort = 0): string {
  const parsed = parseHostPort(text, minPort);
  assert.ok(!parsed.ok, `${text} was accepted`);
  return parsed.problem;
}

describe('parseHostPort', () => {
  it('reads names, IPv4 and bracketed IPv6, and writes them back the same way', () => {
    for (const [text, host, port] of [
      ['127.0.0.1:5044', '127.0.0.1', 5044],
      ['[::1]:5045', '::1', 5045],
      ['logstash_1.internal:0', 'logstash_1.internal', 0],
      [' localhost:65535 ', 'localhost', 65535],
    ] as const) {
      assert.deepEqual(parseHostPort(text), { ok: true, value: { host, port } }, text);
      assert.equal(formatHostPort({ host, port }), text.trim());
    }
  });

  it('names the problem with bad input', () => {
    assert.match(problem('::1:5044'), /IPv6 address goes in brackets/);
    assert.match(problem('[nope]:5044'), /not an IPv6 address/);
    for (const text of ['host:', ':5044', '5044', 'a b:1', 'host:12345678'])
      assert.match(problem(text), /expected host:port/, text);
    assert.match(problem('host:70000'), /port 70000 is outside 0-65535/);
    assert.match(problem('host:0', 1), /port 0 is outside 1-65535/);
  });
});

describe('isLoopbackHost', () => {
  it('accepts 127/8, ::1 and localhost only', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost'])
      assert.ok(isLoopbackHost(host), host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '::ffff:127.0.0.1'])
      assert.ok(!isLoopbackHost(host), host);
  });
});
