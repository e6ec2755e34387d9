import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { edgeUrl, headers, proxy, tokenCommand } from './client-kinds.ts';

const hidden = () => '(hidden)';

describe('client option kinds', () => {
  it('reads headers from flags, JSON text and objects, refusing reserved names and line breaks', () => {
    const show = hidden;
    assert.deepEqual(headers.parse(['X-A: 1', 'X-B:two words'], show), {
      ok: true,
      value: { 'X-A': '1', 'X-B': 'two words' },
    });
    assert.deepEqual(headers.parse('{"X-C":"3"}', show), { ok: true, value: { 'X-C': '3' } });
    const bad = headers.parse(
      { 'Sec-WebSocket-Protocol': 'x', 'X-D': 'a\r\nInjected: 1', 'bad name': 'v' },
      show,
    );
    assert.ok(!bad.ok);
    assert.equal(bad.problem.split('; ').length, 3);
    assert.ok(!bad.problem.includes('Injected'), 'a header value was echoed');
    assert.ok(!headers.parse('{"X-E": "secret"', show).ok);
  });

  it('gives a bare edge host the tunnel path and drops the fragment', () => {
    const parsed = edgeUrl.parse('wss://edge.example#x', hidden);
    assert.ok(parsed.ok);
    assert.equal(parsed.value.href, 'wss://edge.example/v1/tunnel');
  });

  it('refuses any path but the tunnel path, naming the URL to use', () => {
    const parsed = edgeUrl.parse('wss://edge.example:8443/tunnel?x=1', hidden);
    assert.deepEqual(parsed, {
      ok: false,
      problem:
        'the path must be /v1/tunnel, where the edge serves tunnels: wss://edge.example:8443/v1/tunnel',
    });
    assert.ok(!edgeUrl.parse('wss://edge.example/v1/tunnel/', hidden).ok);
    assert.ok(edgeUrl.parse('wss://edge.example/v1/tunnel', hidden).ok);
  });

  it('hints at the scheme when --url is host:port or an http(s) URL', () => {
    const show = (raw: unknown) => JSON.stringify(raw);
    const problem = (raw: string) => {
      const parsed = edgeUrl.parse(raw, show);
      assert.ok(!parsed.ok, `${raw} was accepted`);
      return parsed.problem;
    };
    assert.match(
      problem('127.0.0.1:28787'),
      /; add a scheme: wss:\/\/127\.0\.0\.1:28787\/v1\/tunnel$/,
    );
    assert.match(
      problem('edge.example.com'),
      /add a scheme: wss:\/\/edge\.example\.com\/v1\/tunnel$/,
    );
    assert.match(
      problem('localhost:8787/v1/tunnel'),
      /add a scheme: wss:\/\/localhost:8787\/v1\/tunnel$/,
    );
    assert.match(
      problem('https://edge.example.com/v1/tunnel'),
      /WebSocket: wss:\/\/edge\.example\.com\/v1\/tunnel$/,
    );
    assert.match(problem('http://edge.example.com'), /WebSocket: wss:\/\/edge\.example\.com$/);
    assert.match(problem('http://127.0.0.1:8787'), /WebSocket: ws:\/\/127\.0\.0\.1:8787$/);
    assert.doesNotMatch(problem('ftp://edge.example.com'), /add a scheme/);
  });

  it('takes a proxy URL with credentials or "direct", and a command as text or a list', () => {
    assert.deepEqual(proxy.parse('direct', hidden), { ok: true, value: 'direct' });
    assert.ok(proxy.parse('http://u:p@proxy:3128', hidden).ok);
    assert.ok(!proxy.parse('socks5://proxy:1080', hidden).ok);
    assert.deepEqual(tokenCommand.parse(['/bin/t', '-a'], hidden), {
      ok: true,
      value: ['/bin/t', '-a'],
    });
    assert.ok(!tokenCommand.parse([], hidden).ok);
  });
});
