import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopbackHost, parseHostPort } from './address.ts';

describe('parseHostPort', () => {
  it('reads host:port, [v6]:port and a bare port', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:5044'), { host: '127.0.0.1', port: 5044 });
    assert.deepEqual(parseHostPort('[::1]:5045'), { host: '::1', port: 5045 });
    assert.deepEqual(parseHostPort('5046'), { host: '127.0.0.1', port: 5046 });
    assert.deepEqual(parseHostPort('localhost:0'), { host: 'localhost', port: 0 });
  });

  it('names the problem with bad input', () => {
    const problem = (text: string) => {
      const result = parseHostPort(text);
      assert.equal(typeof result, 'string', text);
      return result as string;
    };
    assert.match(problem('::1:5044'), /brackets/);
    assert.match(problem('host:'), /expected host:port/);
    assert.match(problem(':5044'), /expected host:port/);
    assert.match(problem('host:70000'), /out of range/);
  });
});

describe('isLoopbackHost', () => {
  it('accepts 127/8, ::1 and localhost only', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost'])
      assert.ok(isLoopbackHost(host), host);
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '192.168.1.1',
      'example.com',
      '::ffff:127.0.0.1',
    ]) {
      assert.ok(!isLoopbackHost(host), host);
    }
  });
});
