import { call } from '../api.ts';
import { h, pct, put } from '../dom.ts';

interface Burn {
  status: string;
  burnRate?: number;
  errorRatio?: number;
  reason?: string;
}
interface Slo {
  objective: number;
  window: string;
  errorBudgetRemaining?: number;
  errorBudgetReason?: string;
  windows: Record<string, Burn>;
  alerts: Record<
    string,
    {
      name: string;
      severity: string;
      threshold: number;
      status: string;
      reason: string;
      long: Burn & { window?: string };
      short: Burn & { window?: string };
    }
  >;
}
interface Metric {
  value: number | null;
  text: string;
  band?: string;
  basis: string;
}

/** SLO burn per service and environment (budget left, fast and slow burn), and DORA over 30 days. */
export function sloPage(main: HTMLElement, signal: AbortSignal): void {
  const slo = h('section', { 'aria-label': 'SLO burn' }, h('h2', {}, 'SLO burn'));
  const dora = h('section', { 'aria-label': 'DORA' }, h('h2', {}, 'DORA (last 30 days)'));
  main.append(h('h1', {}, 'SLO and DORA'), slo, dora);
  const load = async () => {
    const { environments } = await call<{ environments: { service: string; environment: string }[] }>(
      'GET',
      '/v1/overview',
    );
    const cards = await Promise.all(
      environments.map(async (e) => {
        try {
          const s = await call<Slo>(
            'GET',
            `/v1/slo/${encodeURIComponent(e.service)}/${encodeURIComponent(e.environment)}`,
          );
          return sloCard(`${e.service} / ${e.environment}`, s);
        } catch (err) {
          return h(
            'div',
            { class: 'card' },
            h('h3', {}, `${e.service} / ${e.environment}`),
            h('p', {}, (err as Error).message),
          );
        }
      }),
    );
    if (signal.aborted) return;
    put(slo, h('h2', {}, 'SLO burn'), cards.length ? cards : h('p', {}, 'No environment yet.'));
    const d = await call<Record<string, unknown>>('GET', '/v1/dora?since=30d');
    if (signal.aborted) return;
    const metrics = [
      'deploymentFrequency',
      'leadTimeForChanges',
      'changeFailureRate',
      'failedDeploymentRecoveryTime',
      'reworkRate',
      'meanTimeToRestore',
    ];
    const deployments = d['deployments'] as Record<string, number>;
    put(
      dora,
      h('h2', {}, 'DORA (last 30 days)'),
      h(
        'p',
        {},
        `${deployments['total']} deployments: ${deployments['succeeded']} succeeded, ${deployments['rolledBack']} rolled back, ${deployments['failed']} failed`,
      ),
      h(
        'table',
        { class: 'list', 'aria-label': 'DORA metrics' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Metric', 'Value', 'Band', 'Basis'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          metrics.map((k) => {
            const m = d[k] as Metric | undefined;
            return h(
              'tr',
              {},
              h('th', { scope: 'row' }, k.replace(/([A-Z])/g, ' $1').toLowerCase()),
              h('td', {}, m?.text ?? '—'),
              h('td', {}, m?.band ?? '—'),
              h('td', {}, m?.basis ?? ''),
            );
          }),
        ),
      ),
    );
  };
  const again = () =>
    void load().catch((err: unknown) => slo.append(h('p', { role: 'alert' }, (err as Error).message)));
  again();
  const timer = setInterval(again, 15_000);
  signal.addEventListener('abort', () => clearInterval(timer));
}

function sloCard(title: string, s: Slo): HTMLElement {
  const left = s.errorBudgetRemaining;
  return h(
    'div',
    { class: 'card slo' },
    h('h3', {}, title),
    h(
      'p',
      {},
      `objective ${s.objective}% over ${s.window}: `,
      left === undefined
        ? `budget unknown — ${s.errorBudgetReason ?? ''}`
        : h('strong', {}, `${left.toFixed(1)}% of the error budget left`),
    ),
    left === undefined
      ? null
      : h('meter', { min: 0, max: 100, value: Math.max(0, left), 'aria-label': 'error budget remaining' }),
    h(
      'table',
      { class: 'list', 'aria-label': `Burn rate alerts of ${title}` },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Alert', 'Status', 'Threshold', 'Long window', 'Short window'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        Object.values(s.alerts).map((a) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, `${a.name} (${a.severity})`),
            h('td', {}, a.status),
            h('td', {}, `${a.threshold}×`),
            h('td', {}, burn(a.long)),
            h('td', {}, burn(a.short)),
          ),
        ),
      ),
    ),
  );
}

function burn(b: Burn & { window?: string }): string {
  return b.status === 'measured'
    ? `${b.window ?? ''} ${b.burnRate?.toFixed(2)}× (errors ${pct(b.errorRatio ?? null, 2)})`
    : `${b.window ?? ''} ${b.reason ?? b.status}`;
}
