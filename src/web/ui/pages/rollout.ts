import { ApiError, call, follow, identity } from '../api.ts';
import { badge, h, pct, put, when } from '../dom.ts';
import { lineChart } from './chart.ts';

interface Version {
  version: string;
}
interface RolloutView {
  rollout: {
    id: string;
    service: string;
    environment: string;
    canary: Version;
    stable?: Version;
    runId?: number;
    state: {
      phase: string;
      weight: number;
      abortReason?: string;
      history: { at: string; event: string; detail: string }[];
    };
    reports?: Record<string, { phase: string; message?: string; lines: string[] }>;
  };
  weights: { at: string; percent: number }[];
  analysis: Record<string, Explanation | undefined>;
  pendingCommands: { command: string; by: string; at: string }[];
}
interface Explanation {
  phase: string;
  message?: string;
  lines?: string[];
  metrics?: {
    name: string;
    phase: string;
    message?: string;
    successCondition?: string;
    measurements?: {
      phase: string;
      value?: unknown;
      finishedAt?: string;
      startedAt?: string;
      message?: string;
    }[];
  }[];
}
interface Traffic {
  at: string;
  weight: number;
  versions: Record<string, { total: number; errorRatio: number | null; p95ms: number | null }>;
  since: Record<string, { total: number; errorRatio: number | null }>;
}

const CANARY = '#c2410c';
const STABLE = '#1d4ed8';

/** A live rollout: weights over time, canary against stable, analysis and its verdict, commands. */
export function rolloutPage(main: HTMLElement, id: string, signal: AbortSignal): void {
  const head = h('div', {});
  const refusal = h('p', { class: 'refusal', role: 'alert', 'aria-live': 'assertive' });
  const buttons = h(
    'div',
    { class: 'buttons' },
    ['promote', 'pause', 'resume', 'abort'].map((c) =>
      h('button', { type: 'button', 'data-command': c, onclick: () => void command(c) }, c),
    ),
  );
  const weights = lineChart('Canary weight', '% of traffic', [
    { label: 'canary weight', color: CANARY, stepped: true },
  ]);
  const errors = lineChart('Error ratio', '5xx / requests', [
    { label: 'canary', color: CANARY },
    { label: 'stable', color: STABLE },
  ]);
  const latency = lineChart('p95 latency', 'ms', [
    { label: 'canary', color: CANARY },
    { label: 'stable', color: STABLE },
  ]);
  const totals = h('p', { id: 'since-start' });
  const verdict = h('section', { 'aria-label': 'Verdict' });
  const measurements = h('section', { 'aria-label': 'Measurements' });
  const history = h('section', { 'aria-label': 'History' });
  main.append(
    h('h1', {}, `Rollout ${id}`),
    head,
    buttons,
    refusal,
    h('div', { class: 'charts' }, weights.el, errors.el, latency.el),
    totals,
    verdict,
    measurements,
    history,
  );

  let view: RolloutView | undefined;
  const traffic: Traffic[] = [];

  async function command(c: string): Promise<void> {
    if (!view) return;
    refusal.textContent = '';
    const { service, environment } = view.rollout;
    try {
      await call(
        'POST',
        `/v1/environments/${encodeURIComponent(service)}/${encodeURIComponent(environment)}/commands`,
        {
          command: c,
          by: identity() || 'dashboard',
        },
      );
      refusal.className = 'accepted';
      refusal.textContent = `${c}: accepted`;
    } catch (err) {
      refusal.className = 'refusal';
      refusal.textContent = `${c} refused${err instanceof ApiError ? ` (${err.status})` : ''}: ${(err as Error).message}`;
    }
  }

  function drawWeights(): void {
    if (!view) return;
    const pts = view.weights.map((w) => [Date.parse(w.at) / 1000, w.percent] as const);
    const live = traffic.map((t) => [Date.parse(t.at) / 1000, t.weight / 10] as const);
    const all = [...pts, ...live].sort((a, b) => a[0] - b[0]);
    weights.set(
      all.map((p) => p[0]),
      [all.map((p) => p[1])],
    );
  }

  function drawTraffic(): void {
    if (!view) return;
    const canary = view.rollout.canary.version;
    const stable = view.rollout.stable?.version ?? '';
    const x = traffic.map((t) => Date.parse(t.at) / 1000);
    errors.set(x, [
      traffic.map((t) => t.versions[canary]?.errorRatio ?? null),
      traffic.map((t) => t.versions[stable]?.errorRatio ?? null),
    ]);
    latency.set(x, [
      traffic.map((t) => t.versions[canary]?.p95ms ?? null),
      traffic.map((t) => t.versions[stable]?.p95ms ?? null),
    ]);
    const since = traffic.at(-1)?.since ?? {};
    const line = (v: string) =>
      since[v] ? `${pct(since[v]!.errorRatio)} of ${since[v]!.total} requests` : 'no requests';
    put(
      totals,
      `errors since each version started — canary ${canary}: ${line(canary)}; stable ${stable || 'none'}: ${line(stable)}`,
    );
    totals.dataset['canary'] = String(since[canary]?.errorRatio ?? '');
    errors.el.dataset['canary'] = String(
      Math.max(0, ...traffic.map((t) => t.versions[canary]?.errorRatio ?? 0)),
    );
  }

  function render(v: RolloutView): void {
    view = v;
    const r = v.rollout;
    put(
      head,
      h(
        'p',
        {},
        h('strong', {}, `${r.service} / ${r.environment}`),
        ': ',
        h('span', { class: 'canary' }, r.canary.version),
        ' replacing ',
        h('span', { class: 'stable' }, r.stable?.version ?? 'nothing'),
        ' — ',
        h('span', { id: 'phase' }, badge(r.state.phase)),
        ' ',
        h('span', { id: 'weight' }, `${r.state.weight / 10}% of traffic to the canary`),
        r.runId ? h('span', {}, ' — ', h('a', { href: `#/run/${r.runId}` }, `run #${r.runId}`)) : null,
      ),
      v.pendingCommands.length
        ? h(
            'p',
            { class: 'muted' },
            `waiting for the controller: ${v.pendingCommands.map((c) => `${c.command} by ${c.by}`).join(', ')}`,
          )
        : null,
    );
    drawWeights();
    const reports = Object.entries(r.reports ?? {});
    put(
      verdict,
      h('h2', {}, 'Verdict'),
      r.state.abortReason ? h('p', { class: 'reason', id: 'abort-reason' }, r.state.abortReason) : null,
      reports.length === 0 && Object.keys(v.analysis).length === 0
        ? h('p', { class: 'muted' }, 'No analysis has run yet.')
        : null,
      reports.map(([name, rep]) =>
        h(
          'div',
          { class: 'card' },
          h('h3', {}, name, ' ', badge(rep.phase)),
          rep.message ? h('p', {}, rep.message) : null,
          h(
            'ul',
            {},
            rep.lines.map((l) => h('li', {}, l)),
          ),
        ),
      ),
      Object.entries(v.analysis)
        .filter(([name, e]) => e && !(r.reports ?? {})[name])
        .map(([name, e]) =>
          h(
            'div',
            { class: 'card' },
            h('h3', {}, name, ' ', badge(e!.phase)),
            e!.message ? h('p', {}, e!.message) : null,
            h(
              'ul',
              {},
              (e!.lines ?? []).map((l) => h('li', {}, l)),
            ),
          ),
        ),
    );
    const rows = Object.entries(v.analysis).flatMap(([run, e]) =>
      (e?.metrics ?? []).flatMap((m) =>
        (m.measurements ?? []).map((x) =>
          h(
            'tr',
            {},
            h('td', {}, run),
            h('td', {}, m.name),
            h('td', {}, when(x.finishedAt ?? x.startedAt)),
            h(
              'td',
              {},
              typeof x.value === 'number' ? x.value.toPrecision(4) : JSON.stringify(x.value ?? null),
            ),
            h('td', {}, badge(x.phase)),
            h('td', {}, m.successCondition ?? ''),
          ),
        ),
      ),
    );
    put(
      measurements,
      h('h2', {}, 'Measurements'),
      rows.length
        ? h(
            'table',
            { class: 'list', 'aria-label': 'Analysis measurements' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Analysis run', 'Metric', 'At', 'Value', 'Phase', 'Success when'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h('tbody', {}, rows),
          )
        : h(
            'p',
            { class: 'muted' },
            'No measurement in flight (finished runs are summed up in the verdict).',
          ),
    );
    put(
      history,
      h('h2', {}, 'History'),
      h(
        'ol',
        { class: 'history' },
        r.state.history.map((e) =>
          h('li', {}, h('span', { class: 'muted' }, when(e.at)), ` ${e.event}: ${e.detail}`),
        ),
      ),
    );
  }

  void follow(
    `view=rollout&id=${encodeURIComponent(id)}`,
    (event, data) => {
      if (event === 'view') render(data as RolloutView);
      else if (event === 'traffic') {
        traffic.push(data as Traffic);
        if (traffic.length > 600) traffic.shift();
        drawWeights();
        drawTraffic();
        document.body.dataset['trafficPoints'] = String(traffic.length);
      } else if (event === 'problem') refusal.textContent = (data as { error: string }).error;
    },
    signal,
  );
}
