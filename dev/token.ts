/**
 * `npm run -s token -- --sub NAME [--ttl-seconds N] [--claims key=value]…`: prints a dev JWT (and
 * nothing else) on stdout, signed with the local stack's key under `.dev/`, so it can be used as
 * `$(npm run -s token …)`. Options as in dev/dev-commands.ts (BEATS_GATE_DEV_TOKEN_*).
 */
import { loadCommand, runCommand, type Loaded, type Options } from '@beats-gate/kit';
import { TOKEN_COMMAND } from './dev-commands.ts';
import { ensureDevKeys, mintDevToken } from './dev-keys.ts';

interface TokenRequest {
  readonly dir: string;
  readonly sub: string;
  readonly ttlSeconds: number;
  readonly claims: Readonly<Record<string, string>>;
}

/** The configuration from the loaded options; rules across options add their problems. */
function build(options: Options<typeof TOKEN_COMMAND.options>): TokenRequest {
  return {
    dir: options.value('dir'),
    sub: options.value('sub'),
    ttlSeconds: options.value('ttlSeconds'),
    claims: options.value('claims') ?? {},
  };
}

/** `argv` without node and the script. Throws one ConfigError listing every problem found. */
function loadTokenRequest(argv: readonly string[], env: NodeJS.ProcessEnv): Loaded<TokenRequest> {
  return loadCommand(TOKEN_COMMAND, argv, env, build);
}

async function mint(request: TokenRequest): Promise<void> {
  const { dir, ...claims } = request;
  const token = await mintDevToken(await ensureDevKeys(dir), claims);
  process.stdout.write(token + '\n');
}

await runCommand('token', () => loadTokenRequest(process.argv.slice(2), process.env), mint);
