/**
 * One CycloneDX SBOM per npm package, of what its bundles contain. `npm sbom` describes the
 * workspace's installed tree; that tree also holds development-only packages (types, test
 * helpers), and `--omit dev` drops real runtime dependencies in a workspace (jose and ws, seen
 * with npm 11.19), so the full tree is taken and cut down to the packages esbuild actually put
 * into the bundles. A bundled package npm did not list (an optional peer such as supports-color)
 * is added from its own package.json.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './packages.ts';
import type { StagedPackage } from './stage-package.ts';

interface Component {
  'bom-ref': string;
  name: string;
  version: string;
  purl?: string;
  [field: string]: unknown;
}

interface Bom {
  metadata: { component: Component; [field: string]: unknown };
  components: Component[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
  [field: string]: unknown;
}

export function packageSbom(pkg: StagedPackage): Bom {
  const text = execFileSync(
    'npm',
    ['sbom', '--sbom-format', 'cyclonedx', '--workspace', pkg.spec.workspace],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const bom = JSON.parse(text) as Bom;
  const ref = (name: string, version: string): string => `${name}@${version}`;
  const wanted = new Set([...pkg.bundled].map(([name, version]) => ref(name, version)));
  const self = bom.components.find((c) => c['bom-ref'] === ref(pkg.name, pkg.version));
  if (self === undefined) throw new Error(`npm sbom lists no ${ref(pkg.name, pkg.version)}`);

  const components = bom.components
    .filter((c) => c !== self && wanted.has(c['bom-ref']))
    .map(withScopedName);
  const listed = new Set(components.map((c) => c['bom-ref']));
  for (const [name, version] of pkg.bundled) {
    if (name !== pkg.name && !listed.has(ref(name, version))) {
      components.push(componentFromManifest(name, version));
    }
  }
  const kept = new Set([self['bom-ref'], ...components.map((c) => c['bom-ref'])]);
  return {
    ...bom,
    metadata: { ...bom.metadata, component: withScopedName(self) },
    components,
    dependencies: (bom.dependencies ?? [])
      .filter((d) => kept.has(d.ref))
      .map((d) => ({ ref: d.ref, dependsOn: (d.dependsOn ?? []).filter((r) => kept.has(r)) })),
  };
}

/** npm names a workspace by its folder ("kit"); the bom-ref has the package's real name. */
function withScopedName(component: Component): Component {
  const name = component['bom-ref'].slice(0, component['bom-ref'].lastIndexOf('@'));
  return { ...component, name };
}

function componentFromManifest(name: string, version: string): Component {
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string; license?: string; description?: string };
  if (manifest.version !== version) {
    throw new Error(`${name}: bundled ${version}, node_modules/${name} has ${manifest.version}`);
  }
  return {
    'bom-ref': `${name}@${version}`,
    type: 'library',
    name,
    version,
    scope: 'required',
    ...(manifest.description ? { description: manifest.description } : {}),
    purl: `pkg:npm/${name.replace('@', '%40')}@${version}`,
    ...(manifest.license ? { licenses: [{ license: { id: manifest.license } }] } : {}),
  };
}
