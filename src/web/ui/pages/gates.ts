import { ApiError, call, follow, identity } from '../api.ts';
import { badge, h, when, put } from '../dom.ts';

interface Decision {
  id: number;
  runId: number | null;
  gate: string;
  service: string | null;
  environment: string | null;
  outcome: string;
  evaluatedAt: string;
  violations: unknown[];
  warnings: unknown[];
  overrides: unknown;
  evidence: Record<string, unknown>;
}
interface Approval {
  runId: number;
  step: string;
  roles: string[];
  required: number;
  author: string;
  message: string;
  verdicts: { approver: string; verdict: string; comment?: string; at: string }[];
}
interface Override {
  id: number;
  service: string;
  environment: string;
  rules: string[];
  reason: string;
  grantedBy: string;
  expiresAt: string;
  revokedAt?: string;
}

/** Waiting approvals (approve or reject with a comment), gate decisions explained, overrides. */
export function gatesPage(main: HTMLElement, signal: AbortSignal): void {
  const approvals = h('section', { 'aria-label': 'Waiting approvals' });
  const decisions = h('section', { 'aria-label': 'Gate decisions' });
  const overrides = h('section', { 'aria-label': 'Overrides' });
  main.append(h('h1', {}, 'Gates and approvals'), approvals, decisions, overrides);
  const notes = new Map<string, string>();
  let shown = '';

  function approvalCard(a: Approval): HTMLElement {
    const key = `${a.runId}/${a.step}`;
    const comment = h('textarea', { id: `comment-${a.runId}`, rows: 2 }) as HTMLTextAreaElement;
    const answer = h('p', { role: 'status' }, notes.get(key) ?? '');
    const give = async (verdict: 'approve' | 'reject') => {
      try {
        const given = (await call('POST', `/v1/runs/${a.runId}/approvals`, {
          verdict,
          comment: comment.value,
          step: a.step,
          ...(identity() ? { as: identity() } : {}),
        })) as { approver?: string };
        notes.set(key, `${verdict === 'approve' ? 'approved' : 'rejected'} by ${given.approver ?? 'you'}`);
        answer.textContent = notes.get(key)!;
      } catch (err) {
        answer.textContent = `refused${err instanceof ApiError ? ` (${err.status})` : ''}: ${(err as Error).message}`;
        answer.className = 'refusal';
      }
    };
    return h(
      'div',
      { class: 'card approval', 'data-run': a.runId },
      h('h3', {}, h('a', { href: `#/run/${a.runId}` }, `Run #${a.runId}`), ` ${a.step}`),
      h(
        'p',
        {},
        `${a.message.split('\n')[0]} — by ${a.author}; needs ${a.required} of roles ${a.roles.join(', ')}`,
      ),
      a.verdicts.length
        ? h(
            'ul',
            {},
            a.verdicts.map((v) =>
              h('li', {}, `${v.verdict} by ${v.approver}${v.comment ? `: ${v.comment}` : ''}`),
            ),
          )
        : null,
      h('label', { for: `comment-${a.runId}` }, 'Comment'),
      comment,
      h(
        'div',
        { class: 'buttons' },
        h('button', { type: 'button', onclick: () => void give('approve') }, 'Approve'),
        h('button', { type: 'button', class: 'danger', onclick: () => void give('reject') }, 'Reject'),
      ),
      answer,
    );
  }

  void follow(
    'view=gates',
    (event, data) => {
      if (event === 'problem')
        return void put(approvals, h('p', { role: 'alert' }, (data as { error: string }).error));
      if (event !== 'view') return;
      const v = data as { decisions: Decision[]; approvals: Approval[]; overrides: Override[] };
      // keep a comment being typed: redraw the approvals only when they changed
      const seen = JSON.stringify(v.approvals);
      if (seen !== shown) {
        shown = seen;
        put(
          approvals,
          h('h2', {}, 'Waiting approvals'),
          v.approvals.length
            ? v.approvals.map(approvalCard)
            : h('p', { class: 'muted' }, 'No approval is waiting.'),
        );
      }
      put(
        decisions,
        h('h2', {}, 'Gate decisions'),
        v.decisions.length === 0
          ? h('p', { class: 'muted' }, 'No gate has decided yet.')
          : v.decisions.map((d) =>
              h(
                'details',
                { class: 'card decision' },
                h(
                  'summary',
                  {},
                  `#${d.id} ${d.gate} `,
                  badge(d.outcome),
                  ` ${d.service ?? ''}/${d.environment ?? ''} ${when(d.evaluatedAt)}`,
                  d.runId ? ` (run #${d.runId})` : '',
                ),
                d.violations.length
                  ? h(
                      'div',
                      {},
                      h('h4', {}, 'Violations'),
                      h(
                        'ul',
                        {},
                        d.violations.map((x) => h('li', {}, text(x))),
                      ),
                    )
                  : h('p', {}, 'No violation.'),
                d.warnings.length
                  ? h(
                      'div',
                      {},
                      h('h4', {}, 'Warnings'),
                      h(
                        'ul',
                        {},
                        d.warnings.map((x) => h('li', {}, text(x))),
                      ),
                    )
                  : null,
                Array.isArray(d.overrides) && d.overrides.length
                  ? h(
                      'div',
                      {},
                      h('h4', {}, 'Overrides applied'),
                      h(
                        'ul',
                        {},
                        d.overrides.map((x) => h('li', {}, text(x))),
                      ),
                    )
                  : null,
                h('h4', {}, 'Evidence'),
                h(
                  'table',
                  { class: 'list' },
                  h(
                    'tbody',
                    {},
                    Object.entries(d.evidence).map(([k, x]) =>
                      h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, text(x))),
                    ),
                  ),
                ),
              ),
            ),
      );
      put(
        overrides,
        h('h2', {}, 'Overrides'),
        v.overrides.length
          ? h(
              'ul',
              {},
              v.overrides.map((o) =>
                h(
                  'li',
                  {},
                  `#${o.id} ${o.service}/${o.environment} waives ${o.rules.join(', ')} — ${o.reason} (by ${o.grantedBy}, until ${when(o.expiresAt)})${o.revokedAt ? ' revoked' : ''}`,
                ),
              ),
            )
          : h('p', { class: 'muted' }, 'No override.'),
      );
    },
    signal,
  );
}

function text(x: unknown): string {
  if (typeof x === 'string') return x;
  if (x && typeof x === 'object' && 'message' in x) {
    const o = x as { rule?: string; message: string };
    return o.rule ? `${o.rule}: ${o.message}` : o.message;
  }
  return JSON.stringify(x);
}
