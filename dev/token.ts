/**
 * `npm run -s token -- --sub NAME [--ttl-seconds N] [--claims key=value]…`: prints a dev JWT (and
 * nothing else) on stdout, signed with the local stack's key under `.dev/`, so it can be used as
 * `$(npm run -s token …)`. Options as in dev/dev-commands.ts (BEATS_GATE_DEV_TOKEN_*).
 */
import { loadOptions, runCommand } from '@beats-gate/kit';
import { TOKEN_COMMAND } from './dev-commands.ts';
import { ensureDevKeys, mintDevToken } from './dev-keys.ts';

interface TokenRequest {
  readonly dir: string;
  readonly sub: string;
  readonly ttlSeconds: number;
  readonly claims: Readonly<Record<string, string>>;
}

function loadTokenRequest(argv: readonly string[], env: NodeJS.ProcessEnv) {
  const loaded = loadOptions(TOKEN_COMMAND, argv, env);
  if (loaded.kind === 'print') return loaded;
  const options = loaded.config;
  return options.finish<TokenRequest>({
    dir: options.value('dir'),
    sub: options.value('sub'),
    ttlSeconds: options.value('ttlSeconds'),
    claims: options.value('claims') ?? {},
  });
}

async function mint(request: TokenRequest): Promise<void> {
  const { dir, ...claims } = request;
  const token = await mintDevToken(await ensureDevKeys(dir), claims);
  process.stdout.write(token + '\n');
}

runCommand('token', () => loadTokenRequest(process.argv.slice(2), process.env), mint).catch(
  (error: unknown) => {
    console.error(`token: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
