/**
 * The client's Debian package: the single executable as /usr/bin/beats-gate-client, the hardened
 * unit from infra/systemd (not enabled, not started), the maintainer scripts, README.Debian,
 * the example env file, a man page made from --help, the copyright file and lintian overrides,
 * all from infra/deb/. Built with dpkg-deb as root:root, every time stamp the last commit's. A
 * native package (no Debian revision): the changelog is changelog.gz.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './packages.ts';

export const DEB_PACKAGE = 'beats-gate-client';

/** Debian's name of each CPU the executables are built for. */
export const DEB_ARCH = { 'linux-x64': 'amd64', 'linux-arm64': 'arm64' } as const;

/**
 * What the Node binary inside needs, as `dpkg-shlibdeps` reads it from Node 26.10.0 for linux-x64
 * (the arm64 build links the same libraries); tests/release-sea.test.ts recomputes it.
 */
export const SHLIB_DEPENDS =
  'libatomic1 (>= 4.8), libc6 (>= 2.34), libgcc-s1 (>= 4.2), libstdc++6 (>= 10.2)';

export interface DebInput {
  readonly executable: string;
  readonly version: string;
  readonly arch: (typeof DEB_ARCH)[keyof typeof DEB_ARCH];
  /** Folder the .deb is written to. */
  readonly outDir: string;
  /** Text of `beats-gate-client --help`, for the man page. */
  readonly help: string;
  /** The licence of the Node inside the executable (its LICENSE file). */
  readonly nodeLicence: string;
}

const infra = (...parts: string[]): string => join(ROOT, 'infra', ...parts);

export async function buildDeb(input: DebInput): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'bg-deb-'));
  try {
    const doc = join(root, 'usr/share/doc', DEB_PACKAGE);
    const when = commitTime();
    await mkdir(join(root, 'DEBIAN'), { recursive: true });
    await mkdir(join(root, 'usr/bin'), { recursive: true });
    await mkdir(join(root, 'lib/systemd/system'), { recursive: true });
    await mkdir(join(root, 'usr/share/man/man1'), { recursive: true });
    await mkdir(join(root, 'usr/share/lintian/overrides'), { recursive: true });
    await mkdir(join(doc, 'examples'), { recursive: true });

    await copyFile(input.executable, join(root, 'usr/bin', DEB_PACKAGE));
    await chmod(join(root, 'usr/bin', DEB_PACKAGE), 0o755);
    await copyFile(
      infra('systemd/beats-gate-client.service'),
      join(root, 'lib/systemd/system/beats-gate-client.service'),
    );
    await copyFile(
      infra('systemd/beats-gate-client.env.example'),
      join(doc, 'examples/client.env'),
    );
    await copyFile(infra('deb/README.Debian'), join(doc, 'README.Debian'));
    await copyFile(
      infra('deb/lintian-overrides'),
      join(root, 'usr/share/lintian/overrides', DEB_PACKAGE),
    );
    await writeFile(join(doc, 'copyright'), await copyright(input.nodeLicence));
    await writeFile(join(doc, 'changelog.gz'), gzip(changelog(input.version, when.rfc2822)));
    await writeFile(
      join(root, 'usr/share/man/man1', `${DEB_PACKAGE}.1.gz`),
      gzip(manPage(input.version, input.help, when.date)),
    );
    for (const script of ['postinst', 'prerm', 'postrm']) {
      await copyFile(infra('deb', script), join(root, 'DEBIAN', script));
      await chmod(join(root, 'DEBIAN', script), 0o755);
    }
    await writeFile(join(root, 'DEBIAN/control'), control(input, installedKiB(root)));
    execFileSync('chmod', ['-R', 'u=rwX,go=rX', root]);
    execFileSync('find', [
      root,
      '-exec',
      'touch',
      '--no-dereference',
      `--date=@${when.epoch}`,
      '{}',
      '+',
    ]);

    const deb = join(input.outDir, `${DEB_PACKAGE}_${input.version}_${input.arch}.deb`);
    await mkdir(input.outDir, { recursive: true });
    // gzip: 7 s and 47 MB here, where xz takes 160 s for 31 MB; zstd, though dpkg reads it, is
    // not one of Debian's archive formats and lintian refuses it.
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', root, deb], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, SOURCE_DATE_EPOCH: String(when.epoch) },
    });
    return deb;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function control(input: DebInput, installedSize: number): string {
  const maintainer =
    process.env.BEATS_GATE_DEB_MAINTAINER ?? 'beats-gate maintainers <beats-gate@lists.invalid>';
  return [
    `Package: ${DEB_PACKAGE}`,
    `Version: ${input.version}`,
    `Architecture: ${input.arch}`,
    `Maintainer: ${maintainer}`,
    `Installed-Size: ${installedSize}`,
    `Depends: ${SHLIB_DEPENDS}`,
    'Section: net',
    'Priority: optional',
    'Description: carries Beats (Lumberjack) connections over authenticated WebSockets',
    ' beats-gate-client listens on 127.0.0.1:5044 like a local Logstash and carries',
    ' each Beats connection over its own WebSocket (wss, a bearer token) to the',
    ' beats-gate edge, which forwards it to Logstash. It acknowledges nothing itself,',
    " so the Beats' at-least-once delivery holds end to end.",
    ' .',
    ' The executable has Node.js inside; the systemd unit is installed, not enabled.',
    '',
  ].join('\n');
}

function installedKiB(root: string): number {
  const output = execFileSync('du', ['-sk', '--exclude=DEBIAN', root], { encoding: 'utf8' });
  return Number.parseInt(output, 10);
}

function commitTime(): { epoch: number; rfc2822: string; date: string } {
  const epoch = Number(
    execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' }),
  );
  const at = new Date(epoch * 1000);
  const rfc2822 = execFileSync('date', ['-u', '-R', '-d', `@${epoch}`], {
    encoding: 'utf8',
  }).trim();
  return { epoch, rfc2822, date: at.toISOString().slice(0, 10) };
}

function gzip(text: string): Buffer {
  // Node writes no file name and a zero time into the header, so the file is reproducible.
  return gzipSync(text, { level: 9 });
}

function changelog(version: string, rfc2822: string): string {
  const maintainer =
    process.env.BEATS_GATE_DEB_MAINTAINER ?? 'beats-gate maintainers <beats-gate@lists.invalid>';
  return [
    `${DEB_PACKAGE} (${version}) unstable; urgency=medium`,
    '',
    `  * Release ${version}: see CHANGELOG.md of beats-gate.`,
    '',
    ` -- ${maintainer}  ${rfc2822}`,
    '',
  ].join('\n');
}

/** A man page that is the --help text, so the two cannot differ. */
function manPage(version: string, help: string, date: string): string {
  const escaped = help.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1');
  return [
    `.TH BEATS-GATE-CLIENT 1 "${date}" "beats-gate ${version}" "User Commands"`,
    '.SH NAME',
    'beats-gate-client \\- carries Beats connections over authenticated WebSockets',
    '.SH DESCRIPTION',
    '.nf',
    escaped.trimEnd(),
    '.fi',
    '.SH SEE ALSO',
    '/usr/share/doc/beats-gate-client/README.Debian',
    '',
  ].join('\n');
}

async function copyright(nodeLicenceFile: string): Promise<string> {
  const own = await readFile(infra('deb/copyright'), 'utf8');
  const node = await readFile(nodeLicenceFile, 'utf8');
  const indented = node
    .trimEnd()
    .split('\n')
    .map((line) => (line.trim() === '' ? ' .' : ` ${line}`))
    .join('\n');
  return `${own.trimEnd()}\n\nLicense: Node-LICENSE\n${indented}\n`;
}

/**
 * Runs lintian on a built package, failing on any error or warning that infra/deb/lintian-overrides
 * does not justify. Returns false when lintian is not installed (`apt-get install lintian`).
 */
export function lintDeb(deb: string): boolean {
  const found = spawnSync('lintian', ['--version'], { encoding: 'utf8' });
  if (found.error) return false;
  const run = spawnSync('lintian', ['--no-cfg', '--fail-on', 'error,warning', deb], {
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    throw new Error(`lintian ${deb} exited ${run.status}:\n${run.stdout}${run.stderr}`);
  }
  return true;
}
