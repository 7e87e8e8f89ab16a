/*
 * What the kubernetes target's and the gateway-api router's tests set up in the stand-in API server:
 * the user's Deployment and Service, and image releases pinned by digest.
 */
import type { ReleaseInstances } from '../target.ts';
import type { StandInApi } from './stand-in-api.fixture.ts';

const NS = 'production';
const APPS = `/apis/apps/v1/namespaces/${NS}/deployments`;

/** The user's Deployment (one replica of `image`) and Service, as kubectl left them. */
export function seedShop(api: StandInApi, image: string): void {
  api.seed(APPS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shop', labels: { app: 'shop' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'shop' } },
      template: { metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'shop', image }] } },
    },
  });
  api.seed(`/api/v1/namespaces/${NS}/services`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'shop' },
    spec: { selector: { app: 'shop' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  });
}

/** A release of `ghcr.io/acme/shop:<version>` with a digest made from the version. */
export function imageRelease(version: string, replicas: number, name = 'shop'): ReleaseInstances {
  const hex = Buffer.from(version).toString('hex').padEnd(64, '0').slice(0, 64);
  return {
    version,
    revision: 1,
    artifact: { type: 'image', image: `ghcr.io/acme/${name}:${version}`, digest: `sha256:${hex}` },
    env: {},
    replicas,
    health: '/health',
    readinessTimeoutMs: 5_000,
  };
}
