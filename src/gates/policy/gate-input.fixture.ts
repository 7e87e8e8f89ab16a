import type { GateInput } from './gate-input.ts';

/** A fully passing tier-1 production gate input shaped like the seed's gate-input.json (for tests). */
export function passingInput(): GateInput {
  return {
    service: 'checkout-api',
    version: '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
    environment: 'production',
    image: 'ghcr.io/brianclong/summit/checkout-api:3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
    tier: 1,
    window: { open: true },
    gates: {
      build: { typescript: 'pass', compile: 'pass', lint: 'pass', format: 'pass' },
      quality: { unit_tests: 'pass', coverage: 83.2, integration_tests: 'pass', golden_path: 'pass' },
      security: { critical_cves: 0, high_cves: 0, secrets_found: 0, image_signed: true, slsa_level: 3 },
    },
    slo: {
      error_budget_remaining: 72.4,
      fast_burn_rate: 0.8,
      slow_burn_rate: 0.5,
      active_p1_incidents: 0,
      active_p2_incidents: 0,
      rollbacks_last_24h: 0,
    },
    emergency_override: false,
  };
}

/** A copy of `input` with dotted paths set (`undefined` deletes), e.g. `{ 'gates.quality.coverage': 72.5 }`. */
export function withChanges(input: GateInput, changes: Record<string, unknown>): GateInput {
  const copy = structuredClone(input) as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    let node = copy;
    for (const key of keys) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return copy as GateInput;
}

/** Every dotted path to a leaf value of `value`. */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}
