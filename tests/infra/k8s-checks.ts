/**
 * Checks of the Kubernetes manifests: each object against the Kubernetes OpenAPI schemas shipped
 * by kubernetes-models (types, required fields, enums; offline), and the manifests against each
 * other and against the unwrapper's own config loader.
 */
import assert from 'node:assert/strict';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import {
  HorizontalPodAutoscaler,
  type IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2';
import {
  Ingress,
  NetworkPolicy,
  type INetworkPolicy,
} from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  Secret,
  Service,
  type IConfigMap,
  type ISecret,
  type IService,
} from 'kubernetes-models/v1';
import { loadConfig } from '../../unwrapper/src/config/load-config.ts';
import { readYaml, UNWRAPPER_ENV } from './infra-files.ts';

/** A parsed manifest; narrowed to the model's interface by `find`. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
};

/** Throws with the schema's message when the object does not validate. */
export function validateObject(object: K8sObject, where: string): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  assert.ok(Model, `${where}: no schema for ${object.apiVersion} ${object.kind}`);
  try {
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${where}: ${object.kind} ${object.metadata.name}: ${String(error)}`, {
      cause: error,
    });
  }
}

export function find<T>(objects: readonly K8sObject[], kind: string, name?: string): T {
  const found = objects.find((o) => o.kind === kind && (!name || o.metadata.name === name));
  assert.ok(found, `no ${kind}${name ? ` named ${name}` : ''}`);
  return found as T;
}

function isSubset(selector: Record<string, string> = {}, labels: Record<string, string> = {}) {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const NAME = 'beats-gate-unwrapper';
export const TUNNEL_METRIC = 'beats_gate_unwrapper_tunnels_active';

export function readSecretExample(): ISecret {
  return readYaml<ISecret>('infra/k8s/base/assertion-keys.secret.example.yaml');
}

/**
 * The unwrapper's objects agree with each other and with its loader. `keyFile` stands in for the
 * mounted assertion-key Secret.
 */
export function checkUnwrapperObjects(objects: readonly K8sObject[], keyFile: string): void {
  const deployment = find<IDeployment>(objects, 'Deployment', NAME);
  const spec = deployment.spec!;
  const pod = spec.template.spec!;
  const podLabels = spec.template.metadata?.labels;
  assert.ok(isSubset(spec.selector.matchLabels, podLabels), 'Deployment selector');
  assert.equal(spec.replicas, undefined, 'replicas belong to the HPA');

  const service = find<IService>(objects, 'Service', NAME);
  assert.ok(isSubset(service.spec?.selector, podLabels), 'Service selector');
  const pdb = find<IPodDisruptionBudget>(objects, 'PodDisruptionBudget', NAME);
  assert.ok(isSubset(pdb.spec?.selector?.matchLabels, podLabels), 'PDB selector');
  const policy = find<INetworkPolicy>(objects, 'NetworkPolicy', NAME);
  assert.ok(isSubset(policy.spec?.podSelector?.matchLabels, podLabels), 'NetworkPolicy selector');
  assert.deepEqual([...(policy.spec?.policyTypes ?? [])].sort(), ['Egress', 'Ingress']);

  assert.equal(pod.containers.length, 1);
  const container = pod.containers[0]!;
  const configMapName = container.envFrom?.[0]?.configMapRef?.name ?? '';
  const configMap = find<IConfigMap>(objects, 'ConfigMap', configMapName);
  const env: Record<string, string> = { ...configMap.data };
  for (const item of container.env ?? []) env[item.name] = item.value ?? '';
  for (const name of Object.keys(env)) assert.ok(UNWRAPPER_ENV.has(name), `unknown ${name}`);

  // The Secret is mounted where BEATS_GATE_UNWRAPPER_ASSERTION_KEYS_FILE points.
  const mount = container.volumeMounts?.find((m) => m.name === 'assertion-keys');
  const volume = pod.volumes?.find((v) => v.name === 'assertion-keys');
  const example = readSecretExample();
  assert.equal(volume?.secret?.secretName, example.metadata?.name);
  const [key] = Object.keys(example.stringData ?? {});
  assert.equal(env.BEATS_GATE_UNWRAPPER_ASSERTION_KEYS_FILE, `${mount?.mountPath}/${key}`);

  const result = loadConfig([], { ...env, BEATS_GATE_UNWRAPPER_ASSERTION_KEYS_FILE: keyFile });
  assert.equal(result.kind, 'config');
  if (result.kind !== 'config') return;
  const { config } = result;

  const port = (name: string) => container.ports?.find((p) => p.name === name)?.containerPort;
  assert.equal(port('tunnel'), config.listen.port);
  assert.equal(port('admin'), config.adminListen.port);
  assert.equal(config.listen.host, '0.0.0.0', 'the tunnel port must listen on the pod address');
  assert.deepEqual(container.livenessProbe?.httpGet, { path: '/healthz', port: 'admin' });
  assert.deepEqual(container.readinessProbe?.httpGet, { path: '/readyz', port: 'admin' });
  assert.equal(service.spec?.ports?.[0]?.targetPort, 'tunnel');

  // Drain timeline: preStop, then the shutdown grace and the close timeout, then slack.
  const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const needed = preStop + (config.shutdownGraceMs + config.closeTimeoutMs) / 1000;
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  assert.ok(grace >= needed + 3, `terminationGracePeriodSeconds ${grace} < ${needed} + 3`);
  assert.ok(grace <= needed + 15, `terminationGracePeriodSeconds ${grace} far above ${needed}`);

  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
  assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
  assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
  assert.ok(container.resources?.requests?.cpu && container.resources.requests.memory);
  assert.ok(container.resources.limits?.memory);

  const hpa = find<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', NAME);
  assert.deepEqual(hpa.spec?.scaleTargetRef, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: NAME,
  });
  assert.ok((hpa.spec.minReplicas ?? 1) >= 2, 'one pod cannot drain without an outage');
  const cpu = hpa.spec.metrics?.find((m) => m.type === 'Resource');
  assert.equal(cpu?.resource?.name, 'cpu');
  const tunnels = hpa.spec.metrics?.find((m) => m.type === 'Pods');
  assert.equal(tunnels?.pods?.metric.name, TUNNEL_METRIC);
  const target = Number(tunnels?.pods?.target.averageValue);
  assert.ok(target > 0 && target < config.maxTunnels, 'tunnel target below maxTunnels');

  // Egress reaches every upstream port and DNS; ingress is the tunnel and admin ports only.
  const egressPorts = (policy.spec?.egress ?? []).flatMap((rule) =>
    (rule.ports ?? []).map((p) => `${p.protocol}/${p.port}`),
  );
  for (const upstream of config.upstreams) assert.ok(egressPorts.includes(`TCP/${upstream.port}`));
  assert.ok(egressPorts.includes('UDP/53') && egressPorts.includes('TCP/53'));
  assert.deepEqual(
    (policy.spec?.ingress ?? []).map((rule) => rule.ports?.[0]?.port),
    ['tunnel', 'admin'],
  );
}
