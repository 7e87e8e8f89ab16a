/*
 * The dashboard: a page per hash route, each following its view over the live stream.
 *   #/                 services × environments, recent runs
 *   #/rollout/ID       a live rollout: weights, canary against stable, analysis, commands
 *   #/run/ID           a run as its DAG with step states and logs
 *   #/gates            gate decisions, overrides, waiting approvals
 *   #/slo              SLO burn and DORA
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiError, call, identity, setIdentity, setToken, token } from './api.ts';
import { h, put } from './dom.ts';
import { overviewPage } from './pages/overview.ts';
import { rolloutPage } from './pages/rollout.ts';
import { runPage } from './pages/run.ts';
import { gatesPage } from './pages/gates.ts';
import { sloPage } from './pages/slo.ts';

const main = document.getElementById('main') as HTMLElement;
let current: AbortController | undefined;

function signIn(problem?: string): void {
  const tokenInput = h('input', { id: 'token', type: 'password', required: true, autocomplete: 'off' });
  const whoInput = h('input', {
    id: 'identity',
    type: 'email',
    value: identity(),
    placeholder: 'you@example.com',
  });
  put(
    main,
    h(
      'form',
      {
        class: 'card signin',
        onsubmit: (e: Event) => {
          e.preventDefault();
          setToken((tokenInput as HTMLInputElement).value.trim());
          setIdentity((whoInput as HTMLInputElement).value.trim());
          route();
        },
      },
      h('h1', {}, 'Sign in'),
      problem ? h('p', { role: 'alert', class: 'refusal' }, problem) : null,
      h('p', {}, 'An API token: runway token create NAME --role viewer|deployer|approver|admin makes one.'),
      h('label', { for: 'token' }, 'Token'),
      tokenInput,
      h('label', { for: 'identity' }, 'Act as (optional)'),
      whoInput,
      h(
        'p',
        { id: 'identity-help', class: 'muted' },
        "Only with the control plane's own token: whom approvals and commands are recorded as. Other tokens act as their name.",
      ),
      h('button', { type: 'submit' }, 'Open the dashboard'),
    ),
  );
}

function signOut(): void {
  setToken('');
  setIdentity('');
  route();
}

function route(): void {
  current?.abort();
  current = new AbortController();
  const who = document.getElementById('who');
  if (who) put(who);
  if (!token()) return signIn();
  if (who)
    void call<{ caller: { name: string; role: string } }>('GET', '/v1/whoami').then(
      ({ caller }) =>
        put(
          who,
          h('span', { id: 'caller' }, `${identity() || caller.name} (${caller.role}) `),
          h('button', { type: 'button', class: 'link light', onclick: signOut }, 'Sign out'),
        ),
      (err: unknown) => {
        // a wrong or revoked token: back to signing in, with the server's reason
        if (err instanceof ApiError && err.status === 401) {
          current?.abort();
          setToken('');
          signIn((err as Error).message);
        }
      },
    );
  const [, page, id] = (location.hash.replace(/^#/, '') || '/').split('/');
  const signal = current.signal;
  put(main);
  if (page === 'rollout' && id) rolloutPage(main, decodeURIComponent(id), signal);
  else if (page === 'run' && id) runPage(main, Number(id), signal);
  else if (page === 'gates') gatesPage(main, signal);
  else if (page === 'slo') sloPage(main, signal);
  else overviewPage(main, signal);
}

window.addEventListener('hashchange', route);
route();
