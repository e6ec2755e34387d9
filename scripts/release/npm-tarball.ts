/**
 * The npm side of a release: `npm pack` of a staged package, and the check an operator's
 * install goes through, `npm install -g` of that tarball into a throwaway prefix. The tarballs
 * have no dependencies, so the install runs with --offline: it needs nothing but the file.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Packs `dir` into `destination`; returns the tarball's path. */
export function packTarball(dir: string, destination: string): string {
  const output = execFileSync('npm', ['pack', dir, '--pack-destination', destination, '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [packed] = JSON.parse(output) as { filename: string }[];
  if (packed === undefined) throw new Error(`npm pack ${dir} reported nothing`);
  return join(destination, packed.filename);
}

/** `npm install -g --prefix <prefix> <tarball>`; returns the folder its bins are linked into. */
export function installGlobal(tarball: string, prefix: string): string {
  execFileSync(
    'npm',
    ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return process.platform === 'win32' ? prefix : join(prefix, 'bin');
}
