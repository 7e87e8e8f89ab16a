import type { KubernetesPlacement } from './manifests.ts';

/** The placement the kubernetes target tests use: nginx in production behind the public Gateway. */
export const PLACEMENT: KubernetesPlacement = {
  namespace: 'production',
  deployment: 'nginx',
  service: 'nginx',
  port: 80,
  route: { name: 'nginx', gateway: 'public', gatewayNamespace: 'infra' },
};
