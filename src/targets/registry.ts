/*
 * Target kinds by name. A target registers one factory here (one line below); `createTarget` builds
 * the target of an environment from its spec, and an unknown kind is an error listing the known ones.
 */
import type { AgentClient } from '../agent/client.ts';
import { createKubernetesTarget } from './kubernetes/create.ts';
import { createLocalTarget } from './local/local-target.ts';
import { NopTarget, TargetError } from './target.ts';
import type { Target } from './target.ts';

/** An environment's `target:` as resolved from runway.yaml and stored with the environment. */
export interface TargetSpec {
  readonly kind: string;
  readonly [key: string]: unknown;
}

/** What targets may need from the control plane that builds them. */
export interface TargetContext {
  readonly log: (line: string) => void;
  /** The local data-plane agent as it is now (it may be restarted and replaced). */
  readonly agent?: () => AgentClient;
}

/** Builds a target from its spec; throws a TargetError for a spec it cannot use. */
export type TargetFactory = (spec: TargetSpec, ctx: TargetContext) => Target;

const FACTORIES = new Map<string, TargetFactory>([
  ['none', () => new NopTarget()],
  ['local', createLocalTarget],
  ['kubernetes', createKubernetesTarget],
]);

/** Adds (or replaces) the factory of a kind. */
export function registerTarget(kind: string, factory: TargetFactory): void {
  FACTORIES.set(kind, factory);
}

/** Every registered kind, sorted. */
export function targetKinds(): string[] {
  return [...FACTORIES.keys()].sort();
}

/**
 * The target of an environment.
 *
 * @example createTarget({ kind: 'local', port: 4000 }, { log: console.log, agent: () => client })
 */
export function createTarget(spec: TargetSpec, ctx: TargetContext): Target {
  const factory = FACTORIES.get(spec.kind);
  if (!factory)
    throw new TargetError(
      `unknown target kind ${JSON.stringify(spec.kind)}: expected one of ${targetKinds().join(', ')}`,
    );
  return factory(spec, ctx);
}
