import type { Pipeline } from '../../config/pipeline.ts';
import { formatDuration } from '../../engine/duration.ts';
import type { EventSink } from '../../engine/events.ts';
import { paint, type Io } from '../io.ts';
import { statusMark } from './plain.ts';

interface Node {
  status: string;
  startedAt?: number;
  finishedAt?: number;
  note?: string;
  tail?: string;
}

/**
 * A live view for terminals: every stage and step with state, duration, and the last line of the
 * running step's output, redrawn in place. `stop()` leaves the final picture on screen.
 */
export function liveView(io: Io, pipeline: Pipeline): { sink: EventSink; stop(): void } {
  const stages = new Map<string, Node>(pipeline.stages.map((s) => [s.name, { status: 'pending' }]));
  const steps = new Map<string, Node>(
    pipeline.stages.flatMap((s) => s.steps.map((st) => [st.key, { status: 'pending' }])),
  );
  let header = '';
  let drawn = 0;

  const line = (text: string) => (text.length > io.columns - 1 ? `${text.slice(0, io.columns - 2)}…` : text);
  const took = (n: Node) => (n.startedAt ? formatDuration((n.finishedAt ?? Date.now()) - n.startedAt) : '');
  const draw = () => {
    const out: string[] = [header];
    for (const stage of pipeline.stages) {
      const s = stages.get(stage.name) as Node;
      out.push(
        line(
          `${statusMark(io, s.status)} ${paint(io, 'bold', stage.name.padEnd(16))} ${paint(io, 'dim', took(s))}${s.note ? paint(io, 'dim', `  ${s.note}`) : ''}`,
        ),
      );
      if (s.status === 'pending' || s.status === 'skipped') continue;
      for (const step of stage.steps) {
        const n = steps.get(step.key) as Node;
        const tail = n.status === 'running' && n.tail ? paint(io, 'dim', `  › ${n.tail}`) : '';
        const tone = n.status === 'failed' ? 'red' : n.status === 'warning' ? 'yellow' : 'dim';
        const note = n.note ? paint(io, tone, `  ${n.note}`) : '';
        out.push(
          line(
            `   ${statusMark(io, n.status)} ${step.id.padEnd(22)} ${paint(io, 'dim', took(n).padEnd(7))}${tail}${note}`,
          ),
        );
      }
    }
    const text = (drawn > 0 ? `\x1b[${drawn}A` : '') + out.map((l) => `\x1b[2K${l}`).join('\n') + '\n';
    io.out(text);
    drawn = out.length;
  };
  const timer = setInterval(draw, 120);
  timer.unref();

  const sink: EventSink = (e) => {
    const d = e.data;
    const at = Date.parse(e.at);
    switch (e.type) {
      case 'run.started':
      case 'run.resumed':
        header = paint(
          io,
          'bold',
          `run ${e.runId} · ${pipeline.name} · ${String(d['sha']).slice(0, 12) || 'no commit'}${e.type === 'run.resumed' ? ' · resumed' : ''}`,
        );
        break;
      case 'stage.started':
        stages.set(String(d['stage']), { status: 'running', startedAt: at });
        break;
      case 'stage.finished': {
        const s = stages.get(String(d['stage'])) ?? { status: 'pending' };
        stages.set(String(d['stage']), {
          ...s,
          status: String(d['status']),
          finishedAt: at,
          ...(d['reason'] && d['status'] !== 'failed' ? { note: String(d['reason']) } : {}),
        });
        break;
      }
      case 'step.started':
        steps.set(String(d['step']), {
          status: 'running',
          startedAt: at,
          ...(Number(d['attempt']) > 1 ? { note: `attempt ${d['attempt']}` } : {}),
        });
        break;
      case 'step.output': {
        const n = steps.get(String(d['step']));
        const last = String(d['text'])
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .at(-1);
        if (n && last) n.tail = last;
        break;
      }
      case 'step.finished': {
        const n = steps.get(String(d['step'])) ?? { status: 'pending' };
        const note = d['flaky'] ? 'flaky: passed on retry' : d['reason'] ? String(d['reason']) : undefined;
        steps.set(String(d['step']), {
          ...n,
          status: String(d['status']),
          finishedAt: at,
          ...(note ? { note } : {}),
        });
        break;
      }
      default:
        return;
    }
    if (e.type === 'stage.finished' || e.type === 'step.finished') draw();
  };
  return {
    sink,
    stop: () => {
      clearInterval(timer);
      draw();
    },
  };
}
