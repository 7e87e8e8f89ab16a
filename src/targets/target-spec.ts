/*
 * A target spec as it reaches the control plane over the API (a rollout request's `target`): only
 * kinds other than local travel this way, and each field is checked before anything is stored or
 * sent to a cluster.
 */

const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Why `value` is not a target spec the control plane can build, or undefined when it is one. */
export function targetSpecProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'expected {"kind": "kubernetes", …}';
  const v = value as Record<string, unknown>;
  if (v['kind'] !== 'kubernetes')
    return `unknown target kind ${JSON.stringify(v['kind'])} in a request: expected "kubernetes" (a local target needs none)`;
  const allowed = new Set([
    'kind',
    'kubeconfig',
    'context',
    'namespace',
    'deployment',
    'container',
    'service',
    'port',
    'canaryReplicas',
    'route',
  ]);
  const unknown = Object.keys(v).filter((k) => !allowed.has(k));
  if (unknown.length > 0) return `unknown keys in target: ${unknown.join(', ')}`;
  for (const key of ['namespace', 'deployment', 'service'])
    if (typeof v[key] !== 'string' || !K8S_NAME.test(v[key]))
      return `expected ${key}: a Kubernetes name (lowercase letters, digits and -)`;
  if (v['container'] !== undefined && (typeof v['container'] !== 'string' || !K8S_NAME.test(v['container'])))
    return 'expected container: a Kubernetes name';
  if (
    v['kubeconfig'] !== undefined &&
    (typeof v['kubeconfig'] !== 'string' || !v['kubeconfig'].startsWith('/'))
  )
    return 'expected kubeconfig: an absolute path';
  if (v['context'] !== undefined && (typeof v['context'] !== 'string' || v['context'] === ''))
    return 'expected context: a kubeconfig context name';
  if (!Number.isInteger(v['port']) || (v['port'] as number) < 1 || (v['port'] as number) > 65535)
    return 'expected port: the Service port, 1 to 65535';
  if (!Number.isInteger(v['canaryReplicas']) || (v['canaryReplicas'] as number) < 1)
    return 'expected canaryReplicas: a whole number of at least 1';
  const route = v['route'] as Record<string, unknown> | undefined;
  if (typeof route !== 'object' || route === null) return 'expected route: {name, gateway}';
  for (const key of ['name', 'gateway'])
    if (typeof route[key] !== 'string' || !K8S_NAME.test(route[key]))
      return `expected route.${key}: a Kubernetes name`;
  if (
    route['gatewayNamespace'] !== undefined &&
    (typeof route['gatewayNamespace'] !== 'string' || !K8S_NAME.test(route['gatewayNamespace']))
  )
    return 'expected route.gatewayNamespace: a Kubernetes name';
  if (
    route['hostnames'] !== undefined &&
    (!Array.isArray(route['hostnames']) || route['hostnames'].some((h) => typeof h !== 'string'))
  )
    return 'expected route.hostnames: a list of host names';
  return undefined;
}
