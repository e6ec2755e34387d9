/**
 * infra/k8s: every manifest validates against the Kubernetes OpenAPI schemas (kubernetes-models,
 * offline), the kustomizations reference files that exist, the unwrapper's objects agree with each
 * other and with its config loader, and, where `kubectl` is installed, each overlay is built with
 * `kubectl kustomize` and the rendered objects get the same checks.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateAssertionKey, parseAssertionKeys } from '@beats-gate/protocol';
import { parseAllDocuments } from 'yaml';
import { createMetrics as createUnwrapperMetrics } from '../unwrapper/src/admin/metrics.ts';
import { readYaml, readYamlDocuments, repoPath } from './infra/infra-files.ts';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IIngress, INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import {
  checkUnwrapperObjects,
  find,
  readSecretExample,
  TUNNEL_METRIC,
  validateObject,
  type K8sObject,
} from './infra/k8s-checks.ts';

const K8S = 'infra/k8s';
const KUSTOMIZATIONS = [
  'base',
  'components/cloudflared',
  'overlays/staging',
  'overlays/production',
];
const OVERLAYS = ['overlays/staging', 'overlays/production'];

interface Kustomization {
  resources?: string[];
  components?: string[];
  patches?: { path?: string; patch?: string }[];
}

const kustomization = (dir: string) => readYaml<Kustomization>(`${K8S}/${dir}/kustomization.yaml`);

/** Plain resource files of a kustomization (not other kustomizations). */
function resourceFiles(dir: string): string[] {
  return (kustomization(dir).resources ?? [])
    .filter((entry) => entry.endsWith('.yaml'))
    .map((entry) => `${K8S}/${dir}/${entry}`);
}

function readObjects(path: string): K8sObject[] {
  return readYamlDocuments(path) as K8sObject[];
}

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const noKubectl = kubectl.status !== 0 && 'kubectl is not installed: overlays not rendered';

let work: string;
let keyFile: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'infra-k8s-'));
  keyFile = join(work, 'assertion-keys');
  writeFileSync(keyFile, generateAssertionKey('k8s-test'));
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('infra/k8s kustomizations', () => {
  it('reference only files and folders that exist', () => {
    for (const dir of KUSTOMIZATIONS) {
      const k = kustomization(dir);
      const paths = [
        ...(k.resources ?? []),
        ...(k.components ?? []),
        ...(k.patches ?? []).flatMap((p) => (p.path ? [p.path] : [])),
      ];
      assert.ok(paths.length > 0, dir);
      for (const path of paths) {
        assert.ok(existsSync(repoPath(K8S, dir, path)), `${dir}: ${path} does not exist`);
      }
    }
  });

  it('validates every resource file against the Kubernetes schemas', () => {
    const files = [
      ...KUSTOMIZATIONS.flatMap(resourceFiles),
      `${K8S}/base/assertion-keys.secret.example.yaml`,
    ];
    assert.ok(files.length >= 10, files.join(', '));
    for (const file of files) for (const object of readObjects(file)) validateObject(object, file);
  });

  it('catches a schema violation (the validator is not a no-op)', () => {
    const [deployment] = readObjects(`${K8S}/base/deployment.yaml`);
    const broken = structuredClone(deployment!) as K8sObject & { spec: { selector?: unknown } };
    delete broken.spec.selector;
    assert.throws(() => validateObject(broken, 'broken'), /selector/);
  });

  it('keeps the base unwrapper objects consistent with each other and the loader', () => {
    const objects = resourceFiles('base').flatMap(readObjects);
    checkUnwrapperObjects(objects, keyFile);
  });

  it('ships an example Secret that cannot be used as a real key', () => {
    const example = readSecretExample();
    assert.equal(example.kind, 'Secret');
    const listed = kustomization('base').resources ?? [];
    assert.ok(!listed.some((r) => r.includes('secret')), 'the example must not be applied');
    for (const value of Object.values(example.stringData ?? {})) {
      assert.throws(() => parseAssertionKeys(value), /base64url/);
    }
  });

  it('publishes the tunnel gauge the HPA scales on', async () => {
    const { registry } = createUnwrapperMetrics({
      defaultMetrics: false,
      read: { tunnels: () => 0, draining: () => false, upstreams: () => [] },
    });
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
    assert.ok(names.includes(TUNNEL_METRIC), `${TUNNEL_METRIC} is not a metric anymore`);
    const adapter = readYaml<{ rules: { custom: { name: { as: string } }[] } }>(
      `${K8S}/monitoring/prometheus-adapter-values.yaml`,
    );
    assert.equal(adapter.rules.custom[0]?.name.as, TUNNEL_METRIC);
  });
});

describe('infra/k8s overlays rendered by kubectl kustomize', { skip: noKubectl }, () => {
  const rendered = new Map<string, K8sObject[]>();
  before(() => {
    for (const overlay of OVERLAYS) {
      const out = spawnSync('kubectl', ['kustomize', repoPath(K8S, overlay)], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(out.status, 0, `${overlay}: ${out.stderr}`);
      rendered.set(
        overlay,
        parseAllDocuments(out.stdout).map((doc) => doc.toJS() as K8sObject),
      );
    }
  });

  for (const overlay of OVERLAYS) {
    it(`${overlay}: validates, stays consistent and lands in one namespace`, () => {
      const objects = rendered.get(overlay)!;
      for (const object of objects) validateObject(object, overlay);
      checkUnwrapperObjects(objects, keyFile);
      const namespaces = new Set(objects.map((o) => o.metadata.namespace));
      assert.equal(namespaces.size, 1, [...namespaces].join(', '));
      const deployment = find<IDeployment>(objects, 'Deployment', 'beats-gate-unwrapper');
      const image = deployment.spec?.template.spec?.containers[0]?.image ?? '';
      assert.match(image, /^[a-z0-9.-]+\/.+:[\w.-]+$/, `${overlay} pins a registry and tag`);
    });
  }

  it('production admits tunnels only from its cloudflared pods', () => {
    const objects = rendered.get('overlays/production')!;
    const policy = find<INetworkPolicy>(objects, 'NetworkPolicy', 'beats-gate-unwrapper');
    const cloudflared = find<IDeployment>(objects, 'Deployment', 'cloudflared');
    assert.deepEqual(policy.spec?.ingress?.[0]?.from, [
      { podSelector: { matchLabels: cloudflared.spec?.template.metadata?.labels } },
    ]);
  });

  it('staging admits tunnels only from the ingress controller, which routes to the Service', () => {
    const objects = rendered.get('overlays/staging')!;
    const policy = find<INetworkPolicy>(objects, 'NetworkPolicy', 'beats-gate-unwrapper');
    assert.deepEqual(policy.spec?.ingress?.[0]?.from, [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ]);
    const ingress = find<IIngress>(objects, 'Ingress');
    const backend = ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service;
    assert.deepEqual(backend, { name: 'beats-gate-unwrapper', port: { name: 'tunnel' } });
    const caRef = ingress.metadata?.annotations?.['nginx.ingress.kubernetes.io/auth-tls-secret'];
    assert.equal(dirname(caRef ?? ''), ingress.metadata?.namespace, 'AOP CA in the namespace');
  });
});
