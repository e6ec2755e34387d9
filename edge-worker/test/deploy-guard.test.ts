// The deploy guard (deploy/guard.ts) and `npm run deploy:edge`, offline: fixture configs and the
// real wrangler.jsonc, with wrangler reached only through --dry-run.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkDeploy, readWranglerConfig } from '../deploy/guard.ts';
import { runOffline } from './support/run.ts';

const packageDir = resolve(import.meta.dirname, '..');
const repoDir = resolve(packageDir, '..');
const filled = join(packageDir, 'test', 'fixtures', 'wrangler.filled.jsonc');

type Config = ReturnType<typeof readWranglerConfig>;

/** The filled-in fixture with `change` applied to its production environment. */
function filledWith(change: (production: NonNullable<Config['env']>[string]) => void): Config {
  const config = structuredClone(readWranglerConfig(filled));
  change(config.env!.production!);
  return config;
}

/** Every string of `value` with its REPLACE… placeholder filled in, as an operator would. */
function fillPlaceholders<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value).replace(/REPLACE[-_][A-Za-z0-9_-]*/g, (found) =>
      found.startsWith('REPLACE_') ? '0123456789abcdef0123456789abcdef' : 'filled',
    ),
  ) as T;
}

function npm(args: string[]) {
  return runOffline('npm', args, repoDir);
}

describe('deploy guard', () => {
  it('lets a filled-in environment through', () => {
    assert.deepEqual(checkDeploy(readWranglerConfig(filled), 'production').problems, []);
  });

  it('refuses to deploy without an environment, and names the choices', () => {
    const { problems } = checkDeploy(readWranglerConfig(filled), undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^no environment given: .*never deployed\. Fix: .*--env production/);
  });

  it('refuses an environment the file does not define', () => {
    const { problems } = checkDeploy(readWranglerConfig(filled), 'prod');
    assert.match(
      problems[0]!,
      /^environment "prod" is not in wrangler\.jsonc \(it has production\)/,
    );
  });

  it('names every placeholder by its path, with the fix', () => {
    const { problems } = checkDeploy(
      filledWith((production) => {
        production.vars!.ORIGIN_URL = 'https://REPLACE-origin.example.com';
        production.kv_namespaces![0]!.id = 'REPLACE_WITH_PRODUCTION_KV_NAMESPACE_ID';
        production.routes = [{ pattern: 'REPLACE-beats.example.com', custom_domain: true }];
      }),
      'production',
    );
    assert.deepEqual(
      problems.map((problem) => problem.split(' is still a placeholder. Fix: ')),
      [
        ['env.production.vars.ORIGIN_URL', problems[0]!.split('Fix: ')[1]],
        [
          'env.production.kv_namespaces[0].id',
          'npm run edge:kv-create -- --env production prints the id to put there',
        ],
        ['env.production.routes[0].pattern', "the hostname devices connect to (not the origin's)"],
      ],
    );
  });

  it('names vars an environment left out, since they are not inherited', () => {
    const missing = checkDeploy(
      filledWith((production) => {
        delete production.vars!.JWKS_URL;
        delete production.vars!.JWT_ISSUER;
      }),
      'production',
    ).problems;
    assert.match(missing[0]!, /^env\.production\.vars lacks JWT_ISSUER, JWKS_URL: .*not inherited/);
    // The worker's own loader says what that would mean.
    assert.ok(missing.includes('env.production.vars: JWT_ISSUER is required'), missing.join('\n'));
  });

  it("applies the worker's own rules to the environment's vars", () => {
    const { problems } = checkDeploy(
      filledWith((production) => {
        production.vars!.ORIGIN_URL = 'wss://origin.example.com';
        production.vars!.JWT_CLOCK_TOLERANCE_SECONDS = 'lots';
      }),
      'production',
    );
    assert.deepEqual(problems, [
      'env.production.vars: ORIGIN_URL must be an http:// or https:// URL (not ws:// or wss://)',
      'env.production.vars: JWT_CLOCK_TOLERANCE_SECONDS must be an integer from 0 to 300',
    ]);
  });

  it('refuses a clear-text or loopback origin, which a deployed edge cannot use', () => {
    const http = checkDeploy(
      filledWith((production) => {
        production.vars!.ORIGIN_URL = 'http://origin.example.com';
      }),
      'production',
    ).problems;
    assert.match(
      http[0]!,
      /^env\.production\.vars\.ORIGIN_URL is http:\/\/: .*Fix: use https:\/\//,
    );
    const loopback = checkDeploy(
      filledWith((production) => {
        production.vars!.ORIGIN_URL = 'https://127.0.0.1:8080';
      }),
      'production',
    ).problems;
    assert.match(loopback[0]!, /ORIGIN_URL points at loopback \(127\.0\.0\.1:8080\)/);
  });

  it('refuses an environment without its bindings or without a route', () => {
    const { problems } = checkDeploy(
      filledWith((production) => {
        delete production.kv_namespaces;
        production.ratelimits = production.ratelimits!.filter((r) => r.name !== 'FAILURE_LIMITER');
        delete production.routes;
      }),
      'production',
    );
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(
      problems[0]!,
      /^env\.production has no DENYLIST binding, so revocation would be off/,
    );
    assert.match(problems[1]!, /^env\.production has no FAILURE_LIMITER binding/);
    assert.match(problems[2]!, /^env\.production has no route, so devices could not reach it/);
  });

  it('finds wrangler.jsonc complete but for its placeholders, production and staging alike', () => {
    const config = readWranglerConfig(join(packageDir, 'wrangler.jsonc'));
    for (const name of ['production', 'staging']) {
      const asShipped = checkDeploy(config, name).problems;
      assert.ok(asShipped.length >= 5, asShipped.join('\n'));
      assert.ok(asShipped.every((problem) => problem.includes('is still a placeholder')));
      assert.ok(asShipped.some((problem) => problem.startsWith(`env.${name}.routes[0]`)));
      assert.deepEqual(checkDeploy(fillPlaceholders(config), name).problems, []);
    }
  });
});

describe('npm run deploy:edge', () => {
  let outdir: string | undefined;
  after(async () => {
    if (outdir) await rm(outdir, { recursive: true, force: true });
  });

  it('refuses wrangler.jsonc as shipped with exit 2, naming each placeholder, before wrangler runs', async () => {
    const { code, output } = await npm(['run', 'deploy:edge', '--', '--env', 'production']);
    assert.equal(code, 2, output);
    assert.match(output, /not deploying env "production"/);
    for (const path of ['vars.ORIGIN_URL', 'kv_namespaces[0].id', 'routes[0].pattern']) {
      assert.ok(output.includes(`env.production.${path} is still a placeholder`), output);
    }
    assert.ok(!output.includes('wrangler 4'), `wrangler ran:\n${output}`);
  });

  it('prints its usage with --help, and checks nothing', async () => {
    const { code, output } = await npm(['run', '--silent', 'deploy:edge', '--', '--help']);
    assert.equal(code, 0, output);
    assert.match(output, /^Usage: npm run deploy:edge -- --env <name>/);
  });

  it('refuses to run without --env', async () => {
    const { code, output } = await npm(['run', 'deploy:edge']);
    assert.equal(code, 2, output);
    assert.match(output, /no environment given/);
  });

  it('hands a filled-in environment to wrangler deploy in edge-worker/ (--dry-run)', async () => {
    outdir = await mkdtemp(join(tmpdir(), 'beats-gate-deploy-'));
    const { code, output } = await npm([
      'run',
      'deploy:edge',
      '--',
      '--config',
      'test/fixtures/wrangler.filled.jsonc',
      '--env',
      'production',
      '--dry-run',
      '--outdir',
      outdir,
    ]);
    assert.equal(code, 0, output);
    assert.match(output, /passed the guard/);
    assert.match(output, /env\.OUTCOMES \(beats_gate_edge_outcomes\)/);
    assert.match(output, /--dry-run: exiting now/);
  });
});
