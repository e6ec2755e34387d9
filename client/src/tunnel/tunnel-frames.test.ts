/**
 * What the client puts on the wire towards the edge, read as raw bytes below a real ws server:
 * Beats' bytes travel in binary frames whose masking key is all zero (RFC 6455 masking with a key
 * that leaves the payload as it is), so neither end spends a pass over every byte on it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { openWebSocket } from './handshake.ts';
import { createTunnel, type TunnelSummary } from './tunnel.ts';

interface Frame {
  opcode: number;
  fin: boolean;
  maskKey: Buffer | undefined;
  /** As it travelled, before any unmasking. */
  payload: Buffer;
}

/** Parses whole client frames from the raw bytes; a trailing partial frame is left out. */
function parseFrames(raw: Buffer): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  while (at + 2 <= raw.length) {
    const fin = (raw[at]! & 0x80) !== 0;
    const opcode = raw[at]! & 0x0f;
    const masked = (raw[at + 1]! & 0x80) !== 0;
    let length = raw[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      length = raw.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      length = Number(raw.readBigUInt64BE(at + 2));
      header = 10;
    }
    const maskKey = masked ? raw.subarray(at + header, at + header + 4) : undefined;
    if (masked) header += 4;
    if (at + header + length > raw.length) break;
    frames.push({ opcode, fin, maskKey, payload: raw.subarray(at + header, at + header + length) });
    at += header + length;
  }
  return frames;
}

describe('the client tunnel on the wire', () => {
  let wss: WebSocketServer;
  let beats: Server;
  let port: number;
  const raw: Buffer[] = [];
  const received: { data: Buffer; isBinary: boolean }[] = [];
  let serverSide: WebSocket | undefined;
  let tunnelSocket: Socket | undefined;
  let closed: Promise<TunnelSummary>;

  before(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    wss.on('connection', (ws, request) => {
      serverSide = ws;
      // The same bytes ws's receiver reads, before it unmasks them.
      request.socket.on('data', (chunk: Buffer) => raw.push(chunk));
      ws.on('message', (data: Buffer, isBinary) => received.push({ data, isBinary }));
    });
    const ws = await openWebSocket({
      url: new URL(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/v1/tunnel`),
      token: 'token',
      headers: {},
      timeoutMs: 5000,
      maxPayload: 1024 * 1024,
    });
    beats = createServer({ pauseOnConnect: true });
    beats.once('connection', (socket) => {
      tunnelSocket = socket;
      closed = new Promise((done) => {
        createTunnel({
          socket,
          ws,
          highWaterMark: 1024 * 1024,
          pingIntervalMs: 60_000,
          onClosed: done,
        });
      });
    });
    await new Promise<void>((resolve) => beats.listen(0, '127.0.0.1', resolve));
    port = (beats.address() as { port: number }).port;
  });

  after(async () => {
    serverSide?.terminate();
    tunnelSocket?.destroy();
    await new Promise((resolve) => beats.close(resolve));
    await new Promise((resolve) => wss.close(resolve));
  });

  it('sends Beats bytes in binary frames with an all-zero masking key, payload as written', async () => {
    const payload = randomBytes(300_000);
    const beatsSide = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => beatsSide.once('connect', resolve));
    beatsSide.end(payload);
    // END arrives as a text frame after the bytes: wait for it, so every data frame is in.
    for (let i = 0; i < 500 && !received.some((m) => !m.isBinary); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const frames = parseFrames(Buffer.concat(raw));
    const data = frames.filter((f) => f.opcode === 0x2);
    assert.ok(data.length > 0, 'no binary frame');
    for (const frame of frames) {
      assert.deepEqual(frame.maskKey, Buffer.alloc(4), 'a client frame must be masked, key zero');
    }
    assert.ok(Buffer.concat(data.map((f) => f.payload)).equals(payload), 'bytes as written');
    const messages = received.filter((m) => m.isBinary).map((m) => m.data);
    assert.ok(Buffer.concat(messages).equals(payload), 'the server reads them unchanged');
    serverSide!.close(1000);
    beatsSide.destroy();
    const summary = await closed;
    assert.equal(summary.bytesUp, payload.length);
  });
});
