import type { Io } from './io.ts';

/** A CLI command; modules load only when their command runs. */
export interface Command {
  summary: string;
  usage: string;
  load(): Promise<{ run(args: string[], io: Io): Promise<number> }>;
}

export const COMMANDS: Record<string, Command> = {
  validate: {
    summary: 'check runway.yaml and print what would run',
    usage: 'runway validate [FILE | -f FILE] [--json]   (FILE defaults to runway.yaml)',
    load: () => import('./commands/validate.ts'),
  },
  run: {
    summary: 'run the pipeline for the current commit',
    usage:
      'runway run [-f runway.yaml] [--store URL] [--json] [--sha S] [--ref R] [--message M] [--author A] [--committed-at T] [--trigger T] [--at ISO-TIME] [--github-event push|pull_request --event-file PAYLOAD.json]',
    load: () => import('./commands/run.ts'),
  },
  runs: {
    summary: 'list runs, or show one run with its stages, steps, outputs and evidence',
    usage: 'runway runs [RUN] [--limit N] [--json] [--store URL]',
    load: () => import('./commands/runs.ts'),
  },
  logs: {
    summary: "print a run's logs, or one step's",
    usage: 'runway logs RUN [STEP] [--store URL]   (STEP is stage/step or a unique step id)',
    load: () => import('./commands/logs.ts'),
  },
  cancel: {
    summary: 'stop a run: running steps are killed, the rest marked cancelled',
    usage: 'runway cancel RUN [--store URL] [--json]',
    load: () => import('./commands/cancel.ts'),
  },
  resume: {
    summary: 'continue a run whose runner was killed, after its last finished step',
    usage: 'runway resume RUN [--store URL] [--json]',
    load: () => import('./commands/resume.ts'),
  },
  window: {
    summary: 'check a deployment window now or at a time, or when it next opens and closes',
    usage: 'runway window check|next NAME [-f runway.yaml] [--at ISO-TIME] [--tz ZONE] [--json]',
    load: () => import('./commands/window.ts'),
  },
  gate: {
    summary:
      'evaluate the release gate (policy, window, incidents) and explain the decision, or run policy tests',
    usage:
      'runway gate evaluate --env ENV [--input gate-input.json] [--at ISO-TIME] [--window NAME] [--policy default|FILE] [--json] | gate test [FILE|DIR…] [--policy default|FILE] [-f runway.yaml] [--json]',
    load: () => import('./commands/gate.ts'),
  },

  incident: {
    summary:
      'open, resolve and list incidents (P1 blocks the release gate), or apply an Alertmanager payload',
    usage: 'runway incident open|resolve|list|alertmanager … [--json]',
    load: () => import('./commands/incident.ts'),
  },
  token: {
    summary: 'create, list or revoke API tokens with a role (viewer, deployer, approver, admin) and a scope',
    usage:
      'runway token create NAME --role ROLE [--service S,…] [--env E,…] [--json] | list [--json] | revoke ID|NAME',
    load: () => import('./commands/token.ts'),
  },
  audit: {
    summary: 'list the audit log: every mutating API call, who made it, when, and its result',
    usage: 'runway audit [--limit N] [--token ID|NAME] [--json] [--store URL]',
    load: () => import('./commands/audit.ts'),
  },
  override: {
    summary: 'grant, revoke or list audited emergency overrides of the release gate',
    usage:
      'runway override grant --service S --env ENV --reason TEXT --expires 2h [--from ISO-TIME] [--rules …] | revoke ID | list',
    load: () => import('./commands/override.ts'),
  },
  approve: {
    summary: "approve a run's waiting approval step (roles from runway.yaml)",
    usage: 'runway approve RUN [--step STAGE/STEP] [--as EMAIL] [--comment TEXT]',
    load: () => import('./commands/approve.ts'),
  },
  reject: {
    summary: "reject a run's waiting approval step, with a comment",
    usage: 'runway reject RUN --comment TEXT [--step STAGE/STEP] [--as EMAIL]',
    load: () => import('./commands/reject.ts'),
  },
  analysis: {
    summary: 'run an analysis template now, replay recorded measurements through it, or run its table tests',
    usage:
      'runway analysis run TEMPLATE [--arg k=v ...] [--prometheus URL] | replay TEMPLATE --series FILE [--arg k=v ...] | test [DIR|FILE]   [-f runway.yaml] [--json]',
    load: () => import('./commands/analysis.ts'),
  },
  serve: {
    summary: 'run the control plane: API, rollout controller, and the data-plane agent',
    usage:
      'runway serve [--port N] [-f runway.yaml] [--store sqlite:PATH|postgres://USER:PW@HOST/DB] [--prometheus URL] | serve status | serve stop',
    load: () => import('./commands/serve.ts'),
  },
  rollout: {
    summary: 'watch and steer rollouts: status, promote, pause, resume, abort, undo, retry, history',
    usage:
      'runway rollout status|promote|pause|resume|abort|retry|undo|history SERVICE --env ENV [--full] [--to-revision N | --to-version V] [--watch] [--json]',
    load: () => import('./commands/rollout.ts'),
  },
  fault: {
    summary: "inject faults into a version's traffic (rollback rehearsals), or clear them",
    usage:
      'runway fault set|clear SERVICE --env ENV --version V [--error-ratio R] [--latency MS] [--abort-ratio R]',
    load: () => import('./commands/fault.ts'),
  },
  dora: {
    summary:
      'DORA delivery metrics (frequency, lead time, change failure rate, recovery, rework) with 2024 bands',
    usage: 'runway dora [--service S] [--since 30d|ISO-TIME] [--until ISO-TIME] [--json] [--store URL]',
    load: () => import('./commands/dora.ts'),
  },
  deployments: {
    summary: 'list deployment records: service, version, commit range, start, end, outcome, linked incident',
    usage: 'runway deployments [--service S] [--env ENV] [--limit N] [--json] [--store URL]',
    load: () => import('./commands/deployments.ts'),
  },
  'release-notes': {
    summary: 'release notes of a deployment from the Conventional Commits since the release before it',
    usage:
      'runway release-notes [--service S] [--env ENV] [--deployment ID] [--repo DIR] [--json] [--store URL]',
    load: () => import('./commands/release-notes.ts'),
  },
  gc: {
    summary: 'remove release copies no environment keeps (the last 10 revisions each) and no rollout uses',
    usage: 'runway gc [--dry-run] [--min-age 1h] [--json] [--store URL]',
    load: () => import('./commands/gc.ts'),
  },
  notifications: {
    summary: 'show the notification delivery log: what was sent to whom, attempts, and why one failed',
    usage: 'runway notifications [--run N] [--limit N] [--json] [--store URL]',
    load: () => import('./commands/notifications.ts'),
  },
  alerts: {
    summary:
      "print the seeds' alert rules (pipeline failures, canary rollbacks, error rate, latency) as a Prometheus rule file",
    usage:
      'runway alerts [--json]   (e.g. runway alerts > runway-rules.yml; promtool check rules runway-rules.yml)',
    load: () => import('./commands/alerts.ts'),
  },
  keygen: {
    summary: 'write an Ed25519 signing key pair for `uses: attest`',
    usage: 'runway keygen [DIR] [--json]   (DIR defaults to ./keys)',
    load: () => import('./commands/keygen.ts'),
  },
  schema: {
    summary: 'print the JSON Schema of runway.yaml (for editor completion)',
    usage: 'runway schema',
    load: () => import('./commands/schema.ts'),
  },
  init: {
    summary: 'write a runway.yaml and a sample service into a folder, ready for `runway run`',
    usage: 'runway init [DIR] [--name SERVICE] [--json]',
    load: () => import('./commands/init.ts'),
  },
  demo: {
    summary: 'run the example pipeline on the sample checkout-api service, offline',
    usage: 'runway demo [--json] [--at ISO-TIME] [--keep-running] [--store PATH]',
    load: () => import('./commands/demo.ts'),
  },
};
