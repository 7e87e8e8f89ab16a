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
import { identity, setIdentity, setToken, token } from './api.ts';
import { h, put } from './dom.ts';
import { overviewPage } from './pages/overview.ts';
import { rolloutPage } from './pages/rollout.ts';
import { runPage } from './pages/run.ts';
import { gatesPage } from './pages/gates.ts';
import { sloPage } from './pages/slo.ts';

const main = document.getElementById('main') as HTMLElement;
let current: AbortController | undefined;

function signIn(): void {
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
      h('p', {}, 'The API token of this control plane (runway serve prints where it is kept).'),
      h('label', { for: 'token' }, 'Token'),
      tokenInput,
      h('label', { for: 'identity' }, 'Your identity (for approvals and commands)'),
      whoInput,
      h('button', { type: 'submit' }, 'Open the dashboard'),
    ),
  );
}

function route(): void {
  current?.abort();
  current = new AbortController();
  const who = document.getElementById('who');
  if (who) who.textContent = identity() ? `signed in as ${identity()}` : '';
  if (!token()) return signIn();
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
