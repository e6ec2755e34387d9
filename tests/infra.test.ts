/**
 * The compose demo, the client's systemd unit and the deploy scripts against the code they drive:
 * every file parses, every referenced file exists, every variable is one a config loader reads,
 * and each service's environment actually loads in that service's own loader. No Docker engine
 * runs here, so this is what "validates offline" means for infra/compose.yaml.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys, type DevKeys } from '../dev/dev-keys.ts';
import { loadConfig as loadClientConfig } from '../client/src/config/load-config.ts';
import { loadConfig as loadEdgeConfig } from '../edge-worker/src/config.ts';
import { loadConfig as loadUnwrapperConfig } from '../unwrapper/src/config/load-config.ts';
import {
  asRecord,
  CLIENT_ENV,
  edgeConfigNames,
  environmentOf,
  INFRA,
  readJsonc,
  readYaml,
  readYamlDocuments,
  repoPath,
  UNWRAPPER_ENV,
  WRANGLER_ENV,
  yamlFiles,
} from './infra/infra-files.ts';

type Service = Record<string, unknown>;
const compose = readYaml('infra/compose.yaml');
const services = asRecord(compose.services, 'services') as Record<string, Service>;
const service = (name: string): Service => asRecord(services[name], `service ${name}`);
/** The shell script of a `[sh, -ec, script]` command. */
const script = (name: string): string => (service(name).command as string[])[2] ?? '';

// Keys a compose service may use here; anything else is a typo compose would reject.
const SERVICE_KEYS = new Set([
  'build',
  'command',
  'depends_on',
  'environment',
  'healthcheck',
  'image',
  'network_mode',
  'ports',
  'volumes',
  'working_dir',
]);

function dockerfileOf(spec: Service): string {
  const build = asRecord(spec.build, 'build');
  return resolve(INFRA, String(build.context), String(build.dockerfile));
}

let work: string;
let keys: DevKeys;
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'infra-test-'));
  keys = await ensureDevKeys(join(work, 'keys'));
  writeFileSync(join(work, 'keys', 'token'), 'header.payload.signature\n');
});
after(() => rmSync(work, { recursive: true, force: true }));

/** The demo's /keys volume, here: paths under /keys point into the generated dev keys. */
function onHost(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v.replace(/^\/keys\//, `${join(work, 'keys')}/`)]),
  );
}

describe('infra YAML', () => {
  it('parses every YAML file under infra/', () => {
    const files = yamlFiles();
    assert.ok(files.length >= 15, `only ${files.length} YAML files found`);
    for (const file of files) assert.ok(readYamlDocuments(file).length > 0, file);
  });
});

describe('infra/compose.yaml', () => {
  it('uses only known service keys and gives every service an image or a build', () => {
    assert.deepEqual(Object.keys(services).sort(), [
      'client',
      'edge',
      'elasticsearch',
      'filebeat',
      'grafana',
      'keygen',
      'logstash',
      'prometheus',
      'unwrapper',
    ]);
    for (const [name, spec] of Object.entries(services)) {
      for (const key of Object.keys(spec)) assert.ok(SERVICE_KEYS.has(key), `${name}.${key}`);
      assert.ok(spec.image || spec.build, `${name} has neither image nor build`);
    }
  });

  it('references files, volumes and services that exist', () => {
    const volumes = new Set(Object.keys(asRecord(compose.volumes, 'volumes')));
    for (const [name, spec] of Object.entries(services)) {
      if (spec.build) {
        const dockerfile = dockerfileOf(spec);
        assert.ok(existsSync(dockerfile), `${name}: ${dockerfile} does not exist`);
      }
      for (const mount of (spec.volumes as string[] | undefined) ?? []) {
        const source = mount.split(':')[0]!;
        if (source.startsWith('.')) {
          assert.ok(existsSync(resolve(INFRA, source)), `${name}: ${source} does not exist`);
        } else assert.ok(volumes.has(source), `${name}: volume ${source} is not declared`);
      }
      const dependsOn = asRecord(spec.depends_on ?? {}, `${name}.depends_on`);
      for (const [target, rule] of Object.entries(dependsOn)) {
        assert.ok(services[target], `${name} depends on unknown ${target}`);
        const condition = asRecord(rule, 'depends_on entry').condition;
        assert.ok(
          ['service_started', 'service_healthy', 'service_completed_successfully'].includes(
            String(condition),
          ),
        );
        if (condition === 'service_healthy') assert.ok(services[target].healthcheck, target);
      }
      if (typeof spec.network_mode === 'string') {
        const shared = /^service:(.+)$/.exec(spec.network_mode)?.[1];
        assert.ok(shared && services[shared], `${name}: network_mode ${spec.network_mode}`);
      }
    }
  });

  // Offline: no engine builds the image here (a later issue runs podman). What can be checked is
  // that the build compose asks for would find its inputs; unwrapper/test/container.test.ts
  // checks the rest of the file.
  it("points the unwrapper's build at its own container file, whose COPY sources are in the context", () => {
    const build = asRecord(service('unwrapper').build, 'unwrapper.build');
    const context = resolve(INFRA, String(build.context));
    const dockerfile = dockerfileOf(service('unwrapper'));
    assert.equal(dockerfile, repoPath('infra', 'unwrapper.Dockerfile'));
    const copies = readFileSync(dockerfile, 'utf8')
      .split('\n')
      .filter((line) => /^COPY\s/.test(line) && !line.includes('--from'));
    assert.ok(copies.length > 0, 'no COPY from the build context');
    for (const line of copies) {
      const sources = line.trim().split(/\s+/).slice(1, -1);
      for (const source of sources) {
        assert.ok(existsSync(resolve(context, source)), `${source} is not in the build context`);
      }
    }
  });

  it('gives the unwrapper only BEATS_GATE_UNWRAPPER_* names its loader knows, and they load', () => {
    const env = environmentOf(service('unwrapper'));
    for (const name of Object.keys(env)) assert.ok(UNWRAPPER_ENV.has(name), name);
    const result = loadUnwrapperConfig([], onHost(env));
    assert.equal(result.kind, 'config');
    if (result.kind !== 'config') return;
    assert.deepEqual(result.config.upstreams, [{ host: 'logstash', port: 5044 }]);
    assert.equal(result.config.listen.port, 8080);
    // The demo stamps identities where the pipeline reads them.
    assert.equal(result.config.inspect, 'stamp');
    assert.equal(result.config.inspectField, '[@metadata][beats_gate]');
    assert.equal(result.config.drainAtWindowBoundary, true);
    const pipeline = readFileSync(repoPath('infra/logstash/pipeline/beats.conf'), 'utf8');
    assert.match(pipeline, /\[@metadata\]\[beats_gate\]\[subject\]/);
  });

  it('gives the client only BEATS_GATE_CLIENT_* names its loader knows, and they load', () => {
    const env = environmentOf(service('client'));
    for (const name of Object.keys(env)) assert.ok(CLIENT_ENV.has(name), name);
    const loaded = loadClientConfig([], onHost(env));
    assert.equal(loaded.kind, 'config');
    if (loaded.kind !== 'config') return;
    const { config } = loaded;
    const [listener] = config.listeners;
    assert.equal(listener?.url.href, 'ws://127.0.0.1:8787/v1/tunnel');
    // Filebeat shares the client's network namespace and ships to the client's listen address.
    assert.equal(service('filebeat').network_mode, service('client').network_mode);
    const filebeat = readYaml('infra/compose/filebeat.yml');
    const output = asRecord(filebeat['output.logstash'], 'output.logstash');
    assert.deepEqual(output.hosts, [`${listener.host}:${listener.port}`]);
    assert.deepEqual(listener.token, { type: 'file', path: join(work, 'keys', 'token') });
  });

  it('runs the edge with names the edge loader knows, and the merged vars load', () => {
    const names = edgeConfigNames();
    assert.ok(names.has('ORIGIN_URL') && names.has('ASSERTION_KEYS'), 'loader names not found');
    const env = environmentOf(service('edge'));
    for (const name of Object.keys(env)) {
      assert.ok(names.has(name) || WRANGLER_ENV.has(name), `edge: unknown variable ${name}`);
    }
    const exported = [...script('edge').matchAll(/\b([A-Z_]+)="\$\$\(cat ([^)]+)\)"/g)];
    assert.deepEqual(exported.map((m) => m[1]).sort(), ['ASSERTION_KEYS', 'JWKS']);
    assert.equal(env.CLOUDFLARE_INCLUDE_PROCESS_ENV, 'true');
    assert.equal(env.JWT_ISSUER, DEV_ISSUER);
    assert.equal(env.JWT_AUDIENCE, DEV_AUDIENCE);
    assert.match(env.ORIGIN_URL ?? '', /^http:\/\/unwrapper:8080$/);

    // What the worker sees under `wrangler dev`: wrangler.jsonc's top-level vars, overridden by
    // the process environment, plus the two secrets read from the keys volume.
    const wrangler = readJsonc<{ vars: Record<string, string> }>('edge-worker/wrangler.jsonc');
    const files: Record<string, string> = {
      ASSERTION_KEYS: readFileSync(join(work, 'keys', 'assertion-keys.txt'), 'utf8').trim(),
      JWKS: readFileSync(join(work, 'keys', 'jwks.json'), 'utf8').trim(),
    };
    for (const [, , path] of exported) assert.match(path!, /^\/keys\/[a-z-]+\.(txt|json)$/);
    const loaded = loadEdgeConfig({ ...wrangler.vars, ...env, ...files });
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.problems.join('; '));
    assert.equal(loaded.config.keySource.kind, 'inline');
    assert.deepEqual(loaded.config.requiredScopes, ['beats:ship']);
    // The client reaches the edge on loopback at the port wrangler dev listens on.
    assert.match(script('edge'), /wrangler dev --ip 127\.0\.0\.1 --port 8787\b/);
    assert.equal(service('client').network_mode, 'service:edge');
  });

  it('has keygen write every /keys file the other services read', () => {
    assert.match(script('keygen'), /node dev\/token\.ts --dir \/keys /);
    assert.ok(existsSync(repoPath('dev', 'token.ts')));
    const text = JSON.stringify(compose);
    const read = new Set([...text.matchAll(/\/keys\/([a-z.-]+)/g)].map((m) => m[1]!));
    read.delete('token.tmp');
    for (const file of read) {
      assert.ok(existsSync(join(work, 'keys', file)), `nothing writes /keys/${file}`);
    }
    assert.deepEqual(keys.assertionKeys.split(':')[0], 'dev-a1');
  });

  it('points Logstash at Elasticsearch and the unwrapper at the beats input', () => {
    const pipeline = readFileSync(repoPath('infra/logstash/pipeline/beats.conf'), 'utf8');
    assert.match(pipeline, /beats\s*\{\s*port\s*=>\s*5044/);
    assert.match(pipeline, /hosts\s*=>\s*\["http:\/\/elasticsearch:9200"\]/);
    assert.match(pipeline, /\[@metadata\]\[beats_gate\]/);
    assert.equal(
      environmentOf(service('unwrapper')).BEATS_GATE_UNWRAPPER_UPSTREAMS,
      'logstash:5044',
    );
  });

  it('copies every workspace manifest into the tools image before npm ci', () => {
    const dockerfile = readFileSync(repoPath('infra/compose/tools.Dockerfile'), 'utf8');
    const root = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
      workspaces: string[];
    };
    for (const workspace of root.workspaces) {
      assert.match(dockerfile, new RegExp(`COPY .*${workspace}/package\\.json ${workspace}/`));
    }
    assert.ok(dockerfile.indexOf('npm ci') > dockerfile.indexOf('tests/package.json'));
  });
});

describe('deploy scripts', () => {
  it('wraps wrangler deploy as npm run deploy:edge', () => {
    const root = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const edge = JSON.parse(readFileSync(repoPath('edge-worker/package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(root.scripts['deploy:edge'], 'npm run deploy -w edge-worker --');
    assert.equal(edge.scripts.deploy, 'node deploy/deploy.ts');
  });
});
