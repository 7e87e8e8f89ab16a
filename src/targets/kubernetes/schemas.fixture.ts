import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Service } from 'kubernetes-models/v1/Service';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'kubernetes');

/** The openAPIV3Schema of a CRD's served version, from the official CRD file in the fixtures. */
function crdSchema(file: string, version: string): object {
  const crd = parse(readFileSync(join(FIXTURES, file), 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] };
  };
  const served = crd.spec.versions.find((v) => v.name === version);
  if (served === undefined) throw new Error(`${file} has no version ${version}`);
  return served.schema.openAPIV3Schema;
}

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat('int32', {
  type: 'number',
  validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
});
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
const httpRouteCrd = ajv.compile(
  crdSchema('gateway.networking.k8s.io_httproutes.standard-v1.6.1.yaml', 'v1'),
);
const rolloutCrd = ajv.compile(crdSchema('rollout-crd.yaml', 'v1alpha1'));

/**
 * Validates a body Runway sent against the official schemas: kubernetes-models (generated from
 * the Kubernetes OpenAPI and the projects' CRDs) and, for HTTPRoute and Rollout, the CRD files
 * themselves. Throws with the schema's complaint.
 */
export function validateSent(body: unknown): void {
  const object = body as { kind?: string };
  switch (object.kind) {
    case 'Deployment':
      return new Deployment(body as never).validate();
    case 'Service':
      return new Service(body as never).validate();
    case 'Job':
      return new Job(body as never).validate();
    case 'HTTPRoute':
      new HTTPRoute(body as never).validate();
      if (!httpRouteCrd(body)) throw new Error(ajv.errorsText(httpRouteCrd.errors));
      return;
    case 'Rollout':
      new Rollout(body as never).validate();
      if (!rolloutCrd(body)) throw new Error(ajv.errorsText(rolloutCrd.errors));
      return;
    default:
      throw new Error(`no schema for a sent body of kind ${String(object.kind)}`);
  }
}

const rolloutPatch = ajv.compile(
  patchSchema(crdSchema('rollout-crd.yaml', 'v1alpha1') as Record<string, unknown>, true),
);

/**
 * Validates a JSON merge patch on a Rollout against the Rollout CRD: every field it sets must
 * exist there with the right type (nothing is required in a patch; `null` deletes, so it passes).
 */
export function validateRolloutPatch(patch: unknown): void {
  if (!rolloutPatch(patch)) throw new Error(ajv.errorsText(rolloutPatch.errors));
}

/** The schema of a merge patch: no `required`, `null` allowed, unknown fields refused. */
function patchSchema(schema: Record<string, unknown>, top = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'required') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Record<string, unknown>>).map(([k, v]) => [k, patchSchema(v)]),
      );
    } else if (key === 'items' && typeof value === 'object' && value !== null) {
      out.items = patchSchema(value as Record<string, unknown>);
    } else {
      out[key] = value;
    }
  }
  if (
    out.properties !== undefined &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  if (top) out.properties = { ...(out.properties as object), apiVersion: {}, kind: {}, metadata: {} };
  return { anyOf: [{ type: 'null' }, out] };
}

/** A recorded object from test/fixtures/kubernetes (JSON or YAML). */
export function recorded<T = Record<string, unknown>>(file: string): T {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  return (file.endsWith('.json') ? JSON.parse(text) : parse(text)) as T;
}
