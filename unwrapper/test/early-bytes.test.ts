// Bytes a client sends right behind its upgrade request (before the 101) arrive in the `head`
// buffer or wait in the paused socket; either way they reach Logstash, in order, none lost.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { before, describe, it } from 'node:test';
import { ASSERTION_HEADER, createAssertionSigner } from '@beats-gate/protocol';
import { KEY, readBytes, type Harness, type RawUpstream } from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

/** A masked binary WebSocket frame, as a client must send it (RFC 6455 §5.3). */
function clientFrame(payload: Buffer): Buffer {
  assert.ok(payload.length < 126);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, masked]);
}

describe('bytes sent before the 101', () => {
  const fixtures = useFixtures();
  let upstream: RawUpstream;
  let harness: Harness;
  before(async () => {
    ({ upstream, harness } = await fixtures.tunnel());
  });

  it('reach the upstream after authentication and dialing', async () => {
    const webSocketKey = randomBytes(16).toString('base64');
    const assertion = await createAssertionSigner({ key: KEY })({ subject: 'eager', webSocketKey });
    const { port } = harness.unwrapper.addresses.public!;
    const socket = connect(port, '127.0.0.1');
    const request = [
      'GET /v1/tunnel HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Key: ${webSocketKey}`,
      `${ASSERTION_HEADER}: ${assertion}`,
      '',
      '',
    ].join('\r\n');
    const first = Buffer.from('2W\x00\x00\x00\x01', 'latin1');
    const second = Buffer.from('2J\x00\x00\x00\x01\x00\x00\x00\x02{}', 'latin1');
    // The request and the first frame in one segment: the frame lands in `head`.
    socket.write(Buffer.concat([Buffer.from(request), clientFrame(first)]));
    // The second one while the unwrapper is still authenticating or dialing.
    socket.write(clientFrame(second));

    const response = await readBytes(socket, 12);
    assert.match(response.toString('latin1'), /^HTTP\/1\.1 101 /);
    const logstash = await upstream.nextSocket();
    const received = await readBytes(logstash, first.length + second.length);
    assert.deepEqual(received, Buffer.concat([first, second]));
    socket.destroy();
  });
});
