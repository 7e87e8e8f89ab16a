import { follow } from '../api.ts';
import { badge, h, when, put } from '../dom.ts';

interface Row {
  service: string;
  environment: string;
  stable: string | null;
  weights: Record<string, number>;
  rollout: { id: string; phase: string; canary: string; weight: number; abortReason?: string } | null;
  decision: { id: number; gate: string; outcome: string; evaluatedAt: string; violations: unknown[] } | null;
}
interface Run {
  id: number;
  status: string;
  createdAt: string;
  sha: string;
  message: string;
}

/** Services × environments with release, phase and last decision; the latest runs. */
export function overviewPage(main: HTMLElement, signal: AbortSignal): void {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  main.append(h('h1', {}, 'Overview'), body);
  void follow(
    'view=overview',
    (event, data) => {
      if (event === 'problem')
        return void put(body, h('p', { role: 'alert' }, (data as { error: string }).error));
      if (event !== 'view') return;
      const { environments, runs } = data as { environments: Row[]; runs: Run[] };
      put(body, grid(environments), h('h2', {}, 'Recent runs'), runList(runs));
    },
    signal,
  );
}

function grid(rows: Row[]): HTMLElement {
  if (rows.length === 0)
    return h('p', {}, 'Nothing deployed yet: a pipeline run with a deploy or rollout step fills this page.');
  const services = [...new Set(rows.map((r) => r.service))];
  const envs = [...new Set(rows.map((r) => r.environment))].sort(byStage);
  return h(
    'table',
    { class: 'grid', 'aria-label': 'Services by environment' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Service'),
        envs.map((e) => h('th', { scope: 'col' }, e)),
      ),
    ),
    h(
      'tbody',
      {},
      services.map((s) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, s),
          envs.map((e) => {
            const r = rows.find((x) => x.service === s && x.environment === e);
            return h('td', { 'data-env': e }, r ? cell(r) : '—');
          }),
        ),
      ),
    ),
  );
}

function cell(r: Row): HTMLElement {
  const ro = r.rollout;
  return h(
    'div',
    { class: 'cell' },
    h('div', {}, h('span', { class: 'muted' }, 'stable '), h('strong', {}, r.stable ?? 'none')),
    ro
      ? h(
          'div',
          {},
          h('a', { href: `#/rollout/${encodeURIComponent(ro.id)}` }, `rollout ${ro.canary}`),
          ' ',
          badge(ro.phase),
          ro.phase === 'progressing' || ro.phase === 'paused' ? ` ${ro.weight / 10}%` : '',
          ro.abortReason ? h('div', { class: 'reason' }, ro.abortReason) : null,
        )
      : null,
    r.decision
      ? h(
          'div',
          {},
          h('span', { class: 'muted' }, `${r.decision.gate} `),
          badge(r.decision.outcome),
          r.decision.violations.length ? ` ${r.decision.violations.length} violation(s)` : '',
          h('span', { class: 'muted' }, ` ${when(r.decision.evaluatedAt)}`),
        )
      : h('div', { class: 'muted' }, 'no gate decision yet'),
  );
}

function byStage(a: string, b: string): number {
  const order = ['dev', 'development', 'test', 'staging', 'uat', 'production'];
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
}

function runList(runs: Run[]): HTMLElement {
  if (runs.length === 0) return h('p', {}, 'No runs yet.');
  return h(
    'table',
    { class: 'list', 'aria-label': 'Recent runs' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Run', 'Status', 'Commit', 'Started'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      runs.map((r) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/run/${r.id}` }, `#${r.id}`)),
          h('td', {}, badge(r.status)),
          h('td', {}, h('code', {}, r.sha.slice(0, 8)), ` ${r.message.split('\n')[0]}`),
          h('td', {}, when(r.createdAt)),
        ),
      ),
    ),
  );
}
