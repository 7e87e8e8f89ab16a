import type { RunRecord, StageRecord, StepRecord } from '../../store/store.ts';

/** What the summary of one run shows. */
export interface SummaryInput {
  run: RunRecord;
  stages: readonly StageRecord[];
  steps: readonly StepRecord[];
  outputs: Record<string, Record<string, string>>;
}

const MARK: Record<string, string> = {
  succeeded: '✅',
  failed: '❌',
  cancelled: '⛔',
  skipped: '⏭️',
  running: '⏳',
  pending: '⏳',
};

/** The run as GitHub-flavoured Markdown for `GITHUB_STEP_SUMMARY`: result, stages, failures, outputs. */
export function stepSummary(s: SummaryInput): string {
  const { run } = s;
  const c = run.context;
  const lines: string[] = [];
  lines.push(`## ${MARK[run.status] ?? ''} Runway run ${run.id} ${run.status}`.replace('  ', ' '), '');
  const facts = [
    `commit \`${cell(c.sha.slice(0, 12))}\``,
    `ref \`${cell(c.ref)}\``,
    `trigger ${cell(c.trigger)}`,
  ];
  if (c.pullRequest !== undefined) facts.push(`pull request #${c.pullRequest}`);
  if (c.labels && c.labels.length > 0)
    facts.push(`labels ${c.labels.map((l) => `\`${cell(l)}\``).join(' ')}`);
  lines.push(facts.join(' · '), '');
  if (run.reason) lines.push(`> ${cell(run.reason)}`, '');
  lines.push('| stage | step | result | took |', '| --- | --- | --- | --- |');
  for (const stage of s.stages) {
    const steps = s.steps.filter((st) => st.stage === stage.name);
    if (steps.length === 0)
      lines.push(`| ${cell(stage.name)} | | ${result(stage.status, stage.reason)} | ${took(stage)} |`);
    for (const st of steps) {
      lines.push(`| ${cell(stage.name)} | ${cell(st.id)} | ${result(st.status, st.reason)} | ${took(st)} |`);
    }
  }
  const outputs = Object.entries(s.outputs).flatMap(([key, o]) =>
    Object.entries(o).map(([name, value]) => `| \`${cell(key)}\` | \`${cell(name)}\` | ${cell(value)} |`),
  );
  if (outputs.length > 0)
    lines.push('', '### Outputs', '', '| step | output | value |', '| --- | --- | --- |', ...outputs);
  return `${lines.join('\n')}\n`;
}

function result(status: string, reason?: string): string {
  return `${MARK[status] ?? ''} ${status}${reason ? `: ${cell(reason)}` : ''}`;
}

function took(r: { startedAt?: string; finishedAt?: string }): string {
  if (!r.startedAt || !r.finishedAt) return '';
  const ms = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Text safe inside a table cell: no pipes or line breaks, no HTML. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/`/g, "'");
}
