import type { StepConfig } from './schema.ts';

/**
 * Gives every step an id: its own `id`, else a slug of its name or action, else `step-N`.
 * Derived ids that collide get a numeric suffix; explicit duplicates are left for validation to report.
 */
export function assignStepIds(steps: readonly StepConfig[]): string[] {
  const explicit = new Set(steps.map((s) => s.id).filter((id): id is string => Boolean(id)));
  const taken = new Set<string>();
  return steps.map((step, i) => {
    if (step.id) {
      taken.add(step.id);
      return step.id;
    }
    const base = slug(step.name ?? step.uses ?? '') || `step-${i + 1}`;
    let id = base;
    for (let n = 2; taken.has(id) || explicit.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    return id;
  });
}

function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(s) ? s.slice(0, 48) : '';
}
