/**
 * `npm run token -- --sub NAME [--ttl SECONDS]`: prints a dev JWT (and nothing else) on stdout,
 * signed with the local stack's key under `.dev/`, so it can be used as `$(npm run -s token …)`.
 */
import { parseArgs } from 'node:util';
import { ensureDevKeys, mintDevToken } from './dev-keys.ts';

const usage = `usage: npm run token -- --sub NAME [--ttl SECONDS] [--claim key=value]... [--dir .dev]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string', default: 'dev-device' },
      ttl: { type: 'string', default: '3600' },
      claim: { type: 'string', multiple: true, default: [] },
      dir: { type: 'string', default: '.dev' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new Error(`--ttl must be a positive whole number of seconds, got "${values.ttl}"`);
  }
  const claims: Record<string, string> = {};
  for (const pair of values.claim) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--claim expects key=value, got "${pair}"`);
    claims[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const token = await mintDevToken(await ensureDevKeys(values.dir), {
    sub: values.sub,
    ttlSeconds,
    claims,
  });
  process.stdout.write(token + '\n');
}

main().catch((error: unknown) => {
  console.error(`token: ${(error as Error).message}\n${usage}`);
  process.exitCode = 2;
});
