/*
 * What a rollout request says about a target that does its own traffic, checked before anything
 * is stored.
 */
import { TARGET_KINDS, TARGET_OWN_TRAFFIC } from '../../targets/kinds.ts';
import type { TargetKind } from '../../targets/kinds.ts';

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
  const unknown = Object.keys(spec).filter(
    (k) => !['kind', 'namespace', 'rollout', 'container', 'kubeconfig', 'context'].includes(k),
  );
  if (unknown.length > 0) return `unknown keys in target: ${unknown.join(', ')}`;
  for (const key of ['container', 'kubeconfig', 'context'] as const) {
    if (spec[key] !== undefined && (typeof spec[key] !== 'string' || spec[key] === ''))
      return `${key} must be a non-empty string`;
  }
  if (typeof spec['kubeconfig'] === 'string' && !spec['kubeconfig'].startsWith('/'))
    return 'kubeconfig must be an absolute path';
  return undefined;
}
