/**
 * The assertion stamp (lib/assertion-stamp.ts) as its own process, so its two sockets per tunnel
 * count against its own open-files limit and its CPU against nobody's. Prints
 * `{"event":"listening","port":N}`; each stdin line is a JSON StampTarget, answered with "ok".
 */
import { createInterface } from 'node:readline';
import { startAssertionStamp, type StampTarget } from '../lib/assertion-stamp.ts';

const stamp = await startAssertionStamp();
process.stdout.write(`${JSON.stringify({ event: 'listening', port: stamp.port })}\n`);
createInterface({ input: process.stdin })
  .on('line', (line) => {
    void stamp.setTarget(JSON.parse(line) as StampTarget);
    process.stdout.write('ok\n');
  })
  .on('close', () => void stamp.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void stamp.close().then(() => process.exit(0)));
