/**
 * The client's single executable for this host (linux-x64 in CI; `npm run release` builds all
 * five platforms): Node 26 from the npm registry with the client's bundle injected. It answers
 * like the npm bin, carries events end to end through the local stack (edge in workerd,
 * unwrapper, receiver), as the bundle inside it does on this Node, and stops with exit 0 on
 * SIGTERM. The same executable then goes into the
 * Debian package, which lintian checks (CI installs lintian) and whose unit runs what it installs.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { within } from '@beats-gate/kit';
import { checkDelivery, createSender, generateEvents } from '@beats-gate/lumberjack';
import { mintDevToken } from '../dev/dev-keys.ts';
import { inspectExecutable } from '../scripts/release/executable-format.ts';
import { DEB_ARCH, SHLIB_DEPENDS, buildDeb, lintDeb } from '../scripts/release/deb.ts';
import { hostPlatform, nodeBinary } from '../scripts/release/node-binaries.ts';
import { PACKAGES, ROOT } from '../scripts/release/packages.ts';
import { listeningPort } from '../scripts/release/round-trip.ts';
import { SEA_NODE_VERSION, buildSea, seaFileName, verifySea } from '../scripts/release/sea.ts';
import { smokeTest } from '../scripts/release/smoke.ts';
import { stagePackage, type StagedPackage } from '../scripts/release/stage-package.ts';
import { dumpLogsOnFailure, startTestStack } from './support/stack-fixture.ts';

let work: string;
let client: StagedPackage;
let bundle: string;
let executable: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'bg-release-sea-'));
  client = await stagePackage(
    PACKAGES.find((spec) => spec.workspace === 'client')!,
    work,
  );
  bundle = client.bins.get('beats-gate-client')!;
  executable = join(work, seaFileName(client.version, hostPlatform()));
  await buildSea(hostPlatform(), bundle, executable);
});
after(() => rm(work, { recursive: true, force: true }));

describe('the client single executable for this host', () => {
  it('is an ELF file of this CPU with the SEA fuse flipped and the bundle inside', async () => {
    const facts = await inspectExecutable(executable, await readFile(bundle));
    assert.deepEqual(facts, {
      format: 'elf',
      cpu: process.arch,
      fuseFlipped: true,
      containsMain: true,
    });
  });

  it('is refused as another platform, or with another main script in it', async () => {
    await assert.rejects(
      verifySea('linux-arm64', executable, bundle),
      /a elf x64 file, not linux-arm64/,
    );
    const other = join(work, 'other-main.mjs');
    await writeFile(other, 'console.log("not the client");\n');
    await assert.rejects(
      verifySea(hostPlatform(), executable, other),
      /no SEA blob with the client/,
    );
  });

  it('answers --version and --help as the npm bin does', () => {
    smokeTest([executable], 'beats-gate-client', client.version);
  });

  it('carries events through the local stack, then exits 0 on SIGTERM', async (t) => {
    const fixture = await startTestStack(t);
    let passed = false;
    t.after(() => dumpLogsOnFailure(fixture, passed));
    const tokenFile = join(work, 'token');
    await writeFile(tokenFile, await mintDevToken(fixture.keys, { sub: 'sea-device' }));
    const edge = `ws://127.0.0.1:${fixture.stack.ports.edge}/v1/tunnel`;
    // The executable, then the same bundle as the npm package runs it, on this Node (22).
    const commands = [[executable], [process.execPath, '--no-experimental-strip-types', bundle]];
    for (const [program, ...args] of commands) {
      const child = spawn(
        program!,
        [...args, '--url', edge, '--listen', '127.0.0.1:0', '--token-file', tokenFile],
        { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } },
      );
      const exited = once(child, 'exit');
      t.after(() => child.kill('SIGKILL'));
      collectLines(child, fixture.logs);
      const port = await within(listeningPort(child.stdout), `${program} listening`, 30_000);

      const runId = `release-${port}`;
      const sender = createSender({ host: '127.0.0.1', port, batchSize: 100, maxAttempts: 3 });
      try {
        const result = await sender.send(generateEvents(500, { runId }));
        assert.equal(result.acked, 500);
      } finally {
        sender.close();
      }
      const report = checkDelivery({ runId, count: 500 }, await fixture.readEvents());
      assert.deepEqual(report.missing, [], `${program}: events missing at the receiver`);

      child.kill('SIGTERM');
      assert.deepEqual(await exited, [0, null], `${program} on SIGTERM`);
    }
    // The executable's Node is the newest line: no deprecation (such as url.parse's DEP0169 from
    // an old dependency) or experimental warning reaches an operator's journal.
    const warnings = fixture.logs.filter(
      (l) => l.startsWith('[release-client]') && /Warning/.test(l),
    );
    assert.deepEqual(warnings, []);
    passed = true;
  });
});

/** Both streams into the stack's logs, which dumpLogsOnFailure prints when the test failed. */
function collectLines(child: ChildProcess, logs: string[]): void {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n')) if (line) logs.push(`[release-client] ${line}`);
    });
  }
}

describe('the Debian package of the client', () => {
  let deb: string;
  let tree: string;
  before(async () => {
    const help = spawnSync(executable, ['--help'], { encoding: 'utf8' }).stdout;
    const nodeLicence = join((await nodeBinary(hostPlatform(), SEA_NODE_VERSION)).dir, 'LICENSE');
    const arch = DEB_ARCH[hostPlatform() as keyof typeof DEB_ARCH];
    deb = await buildDeb({
      executable,
      version: client.version,
      arch,
      outDir: work,
      help,
      nodeLicence,
    });
    tree = join(work, 'deb-tree');
    assert.equal(spawnSync('dpkg-deb', ['--extract', deb, tree]).status, 0);
  });

  it('installs the executable its systemd unit starts, not a Node from the system', async () => {
    const unit = await readFile(join(tree, 'lib/systemd/system/beats-gate-client.service'), 'utf8');
    const execStart = /^ExecStart=(\S+)$/m.exec(unit)?.[1];
    assert.equal(execStart, '/usr/bin/beats-gate-client');
    smokeTest([join(tree, execStart)], 'beats-gate-client', client.version);
  });

  it('states its version, architecture and the libraries the Node inside links', () => {
    const field = (name: string) =>
      spawnSync('dpkg-deb', ['--field', deb, name], { encoding: 'utf8' }).stdout.trim();
    assert.equal(field('Package'), 'beats-gate-client');
    assert.equal(field('Version'), client.version);
    assert.equal(field('Depends'), SHLIB_DEPENDS);
    const shlibs = mkdtempSync(join(work, 'shlibs-'));
    mkdirSync(join(shlibs, 'debian'));
    writeFileSync(join(shlibs, 'debian/control'), 'Source: x\n\nPackage: x\nArchitecture: any\n');
    const computed = spawnSync('dpkg-shlibdeps', ['-O', `-e${executable}`], {
      cwd: shlibs,
      encoding: 'utf8',
    });
    assert.equal(computed.stdout.trim(), `shlibs:Depends=${SHLIB_DEPENDS}`, computed.stderr);
  });

  it('has maintainer scripts that neither enable nor start the service', async () => {
    for (const script of ['postinst', 'prerm', 'postrm']) {
      const text = await readFile(join(ROOT, 'infra/deb', script), 'utf8');
      assert.doesNotMatch(text, /\benable\b|\bstart\b(?!ed)/, `${script} enables or starts`);
      assert.equal(
        spawnSync('sh', ['-n', join(ROOT, 'infra/deb', script)]).status,
        0,
        `${script}: sh -n`,
      );
    }
  });

  it(
    'installs, upgrades and purges with dpkg in a scratch root, leaving no file of its own',
    {
      // The scripts run on this host (chrootless); with systemd running they would reach it.
      skip: existsSync('/run/systemd/system') && 'systemd runs here: the scripts would act on it',
    },
    () => {
      const root = mkdtempSync(join(work, 'dpkg-root-'));
      mkdirSync(join(root, 'var/lib/dpkg/info'), { recursive: true });
      mkdirSync(join(root, 'var/lib/dpkg/updates'), { recursive: true });
      writeFileSync(join(root, 'var/lib/dpkg/status'), '');
      // The libraries it depends on are the host's, not in the scratch root's database.
      const dpkg = (...args: string[]) =>
        spawnSync(
          'dpkg',
          [
            `--root=${root}`,
            '--force-script-chrootless',
            '--force-depends',
            '--log=/dev/null',
            ...args,
          ],
          { encoding: 'utf8' },
        );
      for (const step of [
        ['--install', deb],
        ['--install', deb],
        ['--purge', 'beats-gate-client'],
      ]) {
        const run = dpkg(...step);
        assert.equal(run.status, 0, `dpkg ${step.join(' ')}: ${run.stderr}`);
        if (step[0] === '--install') {
          smokeTest([join(root, 'usr/bin/beats-gate-client')], 'beats-gate-client', client.version);
        }
      }
      const left = spawnSync('find', [root, '-type', 'f', '-not', '-path', '*/var/lib/dpkg/*'], {
        encoding: 'utf8',
      }).stdout.trim();
      assert.equal(left, '');
    },
  );

  it(
    'is lintian-clean, with each override justified in infra/deb/lintian-overrides',
    {
      skip:
        !process.env.CI && spawnSync('lintian', ['--version']).error !== undefined && 'no lintian',
    },
    () => {
      assert.equal(lintDeb(deb), true, 'lintian is not installed');
    },
  );
});
