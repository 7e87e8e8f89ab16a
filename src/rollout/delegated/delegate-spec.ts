/*
 * What a rollout request says about a target that does its own traffic, checked before anything
 * is stored.
 */
import { TARGET_KINDS, TARGET_OWN_TRAFFIC } from '../../targets/kinds.ts';
import type { TargetKind } from '../../targets/kinds.ts';

/** An OCI image pinned by digest: `repository[:tag]@sha256:<64 hex>`. */
export const IMAGE_BY_DIGEST =
  /^[a-z0-9][a-z0-9._\-/:]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$/;

/** A Kubernetes object name (RFC 1123 subdomain). */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The kinds that do their own traffic. */
export function delegatingKinds(): TargetKind[] {
  return TARGET_KINDS.filter((k) => TARGET_OWN_TRAFFIC[k]);
}

/** Why `value` is not a target that does its own traffic, or undefined when it is one. */
export function delegateProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `expected {kind, namespace, rollout}`;
  const spec = value as Record<string, unknown>;
  const kinds = delegatingKinds();
  if (!(kinds as unknown[]).includes(spec['kind']))
    return `kind ${JSON.stringify(spec['kind'])} does not do its own traffic; expected one of ${kinds.join(', ')}`;
  for (const key of ['namespace', 'rollout'] as const) {
    const v = spec[key];
    if (typeof v !== 'string' || !OBJECT_NAME.test(v))
      return `${key} ${JSON.stringify(v)} is not a Kubernetes object name (lower-case letters, digits, - and .)`;
  }
  for (const key of ['container', 'kubeconfig', 'context'] as const) {
    if (spec[key] !== undefined && typeof spec[key] !== 'string') return `${key} must be a string`;
  }
  return undefined;
}
