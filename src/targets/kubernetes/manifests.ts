import type { KubeObject } from './kube-client.ts';

/** Where a service lives in the cluster: the existing Deployment, its Service, and the route Runway owns. */
export interface KubernetesPlacement {
  readonly namespace: string;
  /** The existing Deployment that serves stable traffic (like Argo's workloadRef). */
  readonly deployment: string;
  /** The container whose image a release sets (default: the first). */
  readonly container?: string;
  /** The existing Service in front of the stable pods. */
  readonly service: string;
  /** The service port the route sends traffic to. */
  readonly port: number;
  /** The HTTPRoute Runway applies, and the Gateway it attaches to. */
  readonly route: {
    readonly name: string;
    readonly gateway: string;
    readonly gatewayNamespace?: string;
    readonly hostnames?: readonly string[];
  };
}

/** A header or cookie that sends a request to the canary whatever the weights (A/B). */
export interface CanaryMatch {
  readonly header?: { readonly name: string; readonly value: string };
  readonly cookie?: { readonly name: string; readonly value: string };
}

/** The label every object Runway creates carries, and the track of a pod (stable or canary). */
export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const TRACK = 'runway.dev/track';
/**
 * The annotation on a site's HTTPRoute holding the newest lease token (fence) a control plane
 * wrote with: a write carrying an older one is refused.
 */
export const FENCE_ANNOTATION = 'runway.dev/fence';
/** The field manager that owns the fence annotation (apart from Runway's, so applying it leaves the route's fields alone). */
export const FENCE_MANAGER = 'runway-fence';

/** Names of the objects Runway creates beside the user's. */
export function canaryName(name: string): string {
  return `${name}-canary`;
}

/**
 * The canary Deployment: the stable Deployment's spec with the new image, its own selector (each
 * selector label suffixed `-canary`, so the stable Service never selects a canary pod) and the
 * given replica count.
 */
export function canaryDeployment(
  stable: KubeObject,
  placement: KubernetesPlacement,
  image: string,
  replicas: number,
): KubeObject {
  const spec = stable.spec as DeploymentSpec;
  const selector = canaryLabels(spec.selector.matchLabels ?? {});
  const template = withImage(spec.template, placement.container, image);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: canaryName(placement.deployment),
      namespace: placement.namespace,
      labels: { [MANAGED_BY]: 'runway', [TRACK]: 'canary' },
    },
    spec: {
      replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: { ...(template.metadata?.labels ?? {}), ...selector, [TRACK]: 'canary' },
          ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
        },
        spec: template.spec,
      },
    },
  };
}

/** The canary Service: the stable Service's ports, selecting the canary's pods. */
export function canaryService(
  stableService: KubeObject,
  stable: KubeObject,
  placement: KubernetesPlacement,
): KubeObject {
  const ports = ((stableService.spec as { ports?: Record<string, unknown>[] }).ports ?? []).map((p) =>
    pick(p, ['name', 'port', 'targetPort', 'protocol', 'appProtocol']),
  );
  const selector = canaryLabels((stable.spec as DeploymentSpec).selector.matchLabels ?? {});
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: canaryName(placement.service),
      namespace: placement.namespace,
      labels: { [MANAGED_BY]: 'runway' },
    },
    spec: { type: 'ClusterIP', selector, ports },
  };
}

/**
 * The stable Deployment with only what Runway owns after a promotion: the container's image in
 * the pod template (applied server-side, so other fields keep their managers).
 */
export function promotedStable(
  placement: KubernetesPlacement,
  stable: KubeObject,
  image: string,
): KubeObject {
  const spec = stable.spec as DeploymentSpec;
  const template = withImage(spec.template, placement.container, image);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: placement.deployment, namespace: placement.namespace },
    spec: { selector: spec.selector, template },
  };
}

/** The canary Deployment scaled to zero (kept, like Flagger's canary, for the next release). */
export function scaledToZero(placement: KubernetesPlacement, canary: KubeObject): KubeObject {
  return { ...canary, spec: { ...(canary.spec as object), replicas: 0 } };
}

/**
 * The HTTPRoute splitting traffic by weight between the stable and canary Services; a canary
 * match (header or cookie) comes first and sends matching requests to the canary only.
 */
export function weightedRoute(
  placement: KubernetesPlacement,
  canaryPerMille: number,
  match?: CanaryMatch,
  fence?: number,
): KubeObject {
  const stable = { name: placement.service, port: placement.port };
  const canary = { name: canaryName(placement.service), port: placement.port };
  const rules: Record<string, unknown>[] = [];
  const matches = matchesFor(match);
  if (matches.length > 0) rules.push({ matches, backendRefs: [{ ...canary, weight: 1 }] });
  rules.push({
    backendRefs: [
      { ...stable, weight: 1000 - canaryPerMille },
      { ...canary, weight: canaryPerMille },
    ],
  });
  const parent: Record<string, unknown> = { name: placement.route.gateway };
  if (placement.route.gatewayNamespace !== undefined) parent.namespace = placement.route.gatewayNamespace;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      name: placement.route.name,
      namespace: placement.namespace,
      labels: { [MANAGED_BY]: 'runway' },
      ...(fence === undefined ? {} : { annotations: { [FENCE_ANNOTATION]: String(fence) } }),
    },
    spec: {
      parentRefs: [parent],
      ...(placement.route.hostnames ? { hostnames: [...placement.route.hostnames] } : {}),
      rules,
    },
  };
}

/** The canary per-mille an HTTPRoute sends (its last rule's weights), or undefined if not Runway's shape. */
export function routeCanaryPerMille(route: KubeObject, placement: KubernetesPlacement): number | undefined {
  const rules =
    (route.spec as { rules?: { backendRefs?: { name: string; weight?: number }[] }[] })?.rules ?? [];
  const last = rules.at(-1)?.backendRefs ?? [];
  const total = last.reduce((sum, b) => sum + (b.weight ?? 1), 0);
  const canary = last.find((b) => b.name === canaryName(placement.service));
  if (total === 0 || canary === undefined) return undefined;
  return Math.round(((canary.weight ?? 1) * 1000) / total);
}

function matchesFor(match: CanaryMatch | undefined): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (match?.header) {
    out.push({ headers: [{ type: 'Exact', name: match.header.name, value: match.header.value }] });
  }
  if (match?.cookie) {
    const value = `(^|.*;\\s*)${escapeRegex(match.cookie.name)}=${escapeRegex(match.cookie.value)}(;.*|$)`;
    out.push({ headers: [{ type: 'RegularExpression', name: 'cookie', value }] });
  }
  return out;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: { name: string; image?: string }[] } & Record<string, unknown>;
}

interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels?: Record<string, string> };
  template: PodTemplate;
}

function canaryLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, `${v}-canary`.slice(-63)]));
}

function withImage(template: PodTemplate, container: string | undefined, image: string): PodTemplate {
  const containers = template.spec.containers;
  const target = container ?? containers[0]?.name;
  if (!containers.some((c) => c.name === target)) {
    throw new Error(`deployment has no container named ${JSON.stringify(target)}`);
  }
  return {
    ...template,
    spec: {
      ...template.spec,
      containers: containers.map((c) => (c.name === target ? { ...c, image } : c)),
    },
  };
}

function pick(object: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => object[k] !== undefined).map((k) => [k, object[k]]));
}

/**
 * The fence record: only the HTTPRoute's fence annotation, applied with its own field manager and
 * the resourceVersion the fence was read at, so a concurrent write is a 409 and not overwritten.
 */
export function fenceRecord(
  placement: KubernetesPlacement,
  fence: number,
  resourceVersion: string,
): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      name: placement.route.name,
      namespace: placement.namespace,
      resourceVersion,
      annotations: { [FENCE_ANNOTATION]: String(fence) },
    },
  };
}
