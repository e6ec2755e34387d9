// Offline checks of infra/unwrapper.Dockerfile: every instruction is a known one, every COPY
// source exists and is not excluded from the build context, the image is multi-stage on a base
// pinned by digest, runs as a non-root user, and its entrypoint and health check files exist. The
// image itself is built and run with podman in tests/container-unwrapper.test.ts, and the health
// check is tested in tests/container-healthcheck.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(resolve(root, 'infra/unwrapper.Dockerfile'), 'utf8');
const ignore = readFileSync(resolve(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

const KNOWN = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

/** Logical instructions: continuation lines joined, comments and the parser directive dropped. */
function instructions(text: string) {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' '), line };
    });
}

function ignored(path: string): boolean {
  return ignore.some((pattern) => {
    const body = pattern.replace(/^\*\*\//, '');
    const regex = new RegExp(
      `(^|/)${body.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`,
    );
    return regex.test(path);
  });
}

describe('infra/unwrapper.Dockerfile', () => {
  const steps = instructions(dockerfile);

  it('uses only known instructions, in well-formed exec arrays', () => {
    for (const step of steps) assert.ok(KNOWN.has(step.keyword), step.line);
    for (const step of steps.filter((s) => ['ENTRYPOINT', 'CMD'].includes(s.keyword))) {
      assert.ok(Array.isArray(JSON.parse(step.args)), step.line);
    }
    const health = steps.find((s) => s.keyword === 'HEALTHCHECK');
    assert.ok(health);
    const exec = /CMD (\[.*\])$/.exec(health.args);
    assert.ok(exec, 'HEALTHCHECK CMD in exec form');
    const [, script] = JSON.parse(exec[1]!) as string[];
    assert.ok(existsSync(resolve(root, script!)), script);
  });

  it('is multi-stage, slim node 22, non-root, with an existing entrypoint', () => {
    const froms = steps.filter((s) => s.keyword === 'FROM');
    assert.ok(froms.length >= 2);
    assert.match(dockerfile, /ARG NODE_IMAGE=node:22[.\d]*-[a-z]+-slim@sha256:[\da-f]{64}\n/);
    const user = steps.findLast((s) => s.keyword === 'USER');
    assert.ok(user && !['root', '0'].includes(user.args));
    const entry = JSON.parse(steps.find((s) => s.keyword === 'ENTRYPOINT')!.args) as string[];
    assert.ok(existsSync(resolve(root, entry[1]!)));
  });

  it('copies only paths that exist and that the context does not exclude', () => {
    for (const step of steps.filter((s) => s.keyword === 'COPY' && !s.args.includes('--from'))) {
      const parts = step.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) {
        assert.ok(existsSync(resolve(root, source)), `${source} exists`);
        assert.ok(!ignored(source), `${source} is excluded by the .dockerignore`);
      }
    }
    assert.ok(ignored('unwrapper/node_modules'));
    assert.ok(ignored('.dev'));
  });
});
