/**
 * The cheapest possible hop in Node, a floor for the bridge: each connection is piped to
 * 127.0.0.1:<target> and back, byte for byte, with Nagle off as the tunnel's ends have it. No
 * framing, no buffers of its own beyond the streams'. Prints `{"event":"listening","port":N}`;
 * stops on SIGTERM.
 */
import { connect, createServer } from 'node:net';

const target = Number(process.argv[2]);
if (!Number.isInteger(target) || target < 1 || target > 65535) {
  process.stderr.write(
    `usage: node bench/procs/relay.ts <target port>, got "${process.argv[2]}"\n`,
  );
  process.exit(2);
}

const server = createServer({ noDelay: true }, (inbound) => {
  const outbound = connect({ host: '127.0.0.1', port: target, noDelay: true });
  inbound.pipe(outbound).on('error', () => inbound.destroy());
  outbound.pipe(inbound).on('error', () => outbound.destroy());
  inbound.on('error', () => outbound.destroy());
  outbound.on('error', () => inbound.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: address.port })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
