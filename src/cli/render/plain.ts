import { formatDuration } from '../../engine/duration.ts';
import type { EventSink } from '../../engine/events.ts';
import { paint, type Io } from '../io.ts';

/** Plain lines for logs and pipes: events as they happen, output prefixed with its step. */
export function plainSink(io: Io): EventSink {
  const partial = new Map<string, string>();
  const started = new Map<string, number>();
  const flush = (step: string) => {
    const rest = partial.get(step);
    if (rest) io.out(`${paint(io, 'dim', `${step} |`)} ${rest}\n`);
    partial.delete(step);
  };
  return (e) => {
    const d = e.data;
    switch (e.type) {
      case 'run.started':
      case 'run.resumed':
        io.out(
          `run ${e.runId} ${e.type === 'run.started' ? 'started' : 'resumed'}: ${d['pipeline']} at ${String(d['sha']).slice(0, 12) || 'no commit'}\n`,
        );
        break;
      case 'stage.started':
        started.set(String(d['stage']), Date.parse(e.at));
        io.out(`${paint(io, 'bold', `▶ stage ${d['stage']}`)}\n`);
        break;
      case 'stage.finished': {
        const t = started.get(String(d['stage']));
        const took = t ? ` in ${formatDuration(Date.parse(e.at) - t)}` : '';
        io.out(
          `${statusMark(io, String(d['status']))} stage ${d['stage']} ${d['status']}${took}${d['reason'] ? ` — ${d['reason']}` : ''}\n`,
        );
        break;
      }
      case 'service.ready':
        io.out(`  service ${d['service']} ready\n`);
        break;
      case 'step.started':
        started.set(String(d['step']), Date.parse(e.at));
        io.out(`  ▶ ${d['step']}${Number(d['attempt']) > 1 ? ` (attempt ${d['attempt']})` : ''}\n`);
        break;
      case 'step.output': {
        const step = String(d['step']);
        const lines = ((partial.get(step) ?? '') + String(d['text'])).split('\n');
        partial.set(step, lines.pop() ?? '');
        for (const line of lines) io.out(`${paint(io, 'dim', `${step} |`)} ${line}\n`);
        break;
      }
      case 'step.retrying':
        flush(String(d['step']));
        io.out(`  ${paint(io, 'yellow', '↻')} ${d['step']} failed (${d['reason']}), retrying\n`);
        break;
      case 'step.finished': {
        const step = String(d['step']);
        flush(step);
        const t = started.get(step);
        const took = t ? ` in ${formatDuration(Date.parse(e.at) - t)}` : '';
        const extra = d['flaky']
          ? ' (flaky: passed on retry)'
          : d['continuedOnError']
            ? ' (continue-on-error)'
            : '';
        io.out(
          `  ${statusMark(io, String(d['status']))} ${step} ${d['status']}${took}${extra}${d['reason'] ? ` — ${d['reason']}` : ''}\n`,
        );
        break;
      }
      default:
        break;
    }
  };
}

/** A symbol for a status. */
export function statusMark(io: Io, status: string): string {
  switch (status) {
    case 'succeeded':
      return paint(io, 'green', '✔');
    case 'warning':
      return paint(io, 'yellow', '⚠');
    case 'failed':
      return paint(io, 'red', '✖');
    case 'running':
      return paint(io, 'cyan', '●');
    case 'skipped':
      return paint(io, 'dim', '⊘');
    case 'cancelled':
      return paint(io, 'yellow', '■');
    default:
      return paint(io, 'dim', '○');
  }
}
