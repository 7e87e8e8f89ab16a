import { follow } from '../api.ts';
import { badge, h, when, put } from '../dom.ts';

interface RunView {
  run: {
    id: number;
    status: string;
    sha: string;
    ref: string;
    message: string;
    author: string;
    createdAt: string;
    reason?: string;
  };
  stages: { name: string; needs: string[]; status: string; reason?: string }[];
  steps: { key: string; stage: string; name: string; status: string; reason?: string; exitCode?: number }[];
  logs: Record<string, string>;
}

/** A run as its DAG: stages in columns by depth, steps with live states, a step's log on click. */
export function runPage(main: HTMLElement, id: number, signal: AbortSignal): void {
  const head = h('div', {});
  const dag = h('div', { class: 'dag', role: 'list', 'aria-label': 'Stages' });
  const log = h('section', { 'aria-label': 'Log' });
  main.append(h('h1', {}, `Run #${id}`), head, dag, log);
  let selected: string | undefined;
  let last: RunView | undefined;

  function showLog(): void {
    if (!last || !selected) return void put(log);
    put(
      log,
      h('h2', {}, `Log of ${selected}`),
      h('pre', { class: 'log', tabindex: 0 }, last.logs[selected] ?? '(no output yet)'),
    );
  }

  function render(v: RunView): void {
    last = v;
    put(
      head,
      h(
        'p',
        {},
        badge(v.run.status),
        ' ',
        h('code', {}, v.run.sha.slice(0, 8)),
        ` ${v.run.ref} — ${v.run.message.split('\n')[0]} (${v.run.author}), started ${when(v.run.createdAt)}`,
      ),
      v.run.reason ? h('p', { class: 'reason' }, v.run.reason) : null,
    );
    const depth = new Map<string, number>();
    const depthOf = (name: string): number => {
      if (depth.has(name)) return depth.get(name)!;
      const s = v.stages.find((x) => x.name === name);
      const d = s && s.needs.length ? Math.max(...s.needs.map(depthOf)) + 1 : 0;
      depth.set(name, d);
      return d;
    };
    const columns: (typeof v.stages)[] = [];
    for (const s of v.stages) (columns[depthOf(s.name)] ??= []).push(s);
    put(
      dag,
      ...columns.map((col) =>
        h(
          'div',
          { class: 'column' },
          col.map((s) =>
            h(
              'div',
              {
                class: `stage s-${s.status}`,
                role: 'listitem',
                'data-stage': s.name,
                'data-status': s.status,
              },
              h('h3', {}, s.name, ' ', badge(s.status)),
              s.needs.length ? h('p', { class: 'muted' }, `after ${s.needs.join(', ')}`) : null,
              h(
                'ul',
                {},
                v.steps
                  .filter((st) => st.stage === s.name)
                  .map((st) =>
                    h(
                      'li',
                      {},
                      h(
                        'button',
                        { type: 'button', class: 'link', onclick: () => ((selected = st.key), showLog()) },
                        st.name,
                      ),
                      ' ',
                      badge(st.status),
                      st.reason ? h('div', { class: 'reason' }, st.reason) : null,
                    ),
                  ),
              ),
            ),
          ),
        ),
      ),
    );
    showLog();
  }

  void follow(
    `view=run&id=${id}`,
    (event, data) => {
      if (event === 'view') render(data as RunView);
      else if (event === 'problem') put(head, h('p', { role: 'alert' }, (data as { error: string }).error));
    },
    signal,
  );
}
