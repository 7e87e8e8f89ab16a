/** Task triage of the sample service: the score orders a queue, highest first. */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Task {
  title: string;
  severity: Severity;
  /** Hours until it is due; negative when overdue. */
  dueInHours: number;
}

export class TaskError extends Error {}

const WEIGHT: Record<Severity, number> = { low: 1, medium: 2, high: 4, critical: 8 };

/** Checks a task from an untrusted body; throws TaskError naming the bad field. */
export function parseTask(body: unknown): Task {
  if (typeof body !== 'object' || body === null) throw new TaskError('body must be a JSON object');
  const { title, severity, dueInHours } = body as Record<string, unknown>;
  if (typeof title !== 'string' || title.trim() === '' || title.length > 200)
    throw new TaskError('title must be a string of 1 to 200 characters');
  if (!SEVERITIES.includes(severity as Severity))
    throw new TaskError(`severity must be one of ${SEVERITIES.join(', ')}`);
  if (typeof dueInHours !== 'number' || !Number.isFinite(dueInHours))
    throw new TaskError('dueInHours must be a number');
  return { title: title.trim(), severity: severity as Severity, dueInHours };
}

/** Severity weight, doubled when overdue, raised as the deadline nears (within 24 h). */
export function score(task: Task): number {
  const base = WEIGHT[task.severity] * 10;
  if (task.dueInHours < 0) return base * 2;
  if (task.dueInHours < 24) return Math.round(base * (1 + (24 - task.dueInHours) / 24));
  return base;
}
