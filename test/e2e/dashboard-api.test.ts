/*
 * The dashboard as `runway serve` serves it, without a browser: its page and bundle (offline, under
 * a strict content security policy), its live stream (token required, a new view when something
 * changes), and views that show a scoped token only its services.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { project, runway, spawnRunway } from './helpers.ts';

const PIPELINE = `
version: 1
service: { name: shop }
stages:
  build:
    steps: [ { run: echo built } ]
`;

describe('the dashboard on runway serve', () => {
  let dir = '';
  let url = '';
  let serve: ChildProcess | undefined;
  const tokens = new Map<string, string>();

  before(async () => {
    dir = project(PIPELINE);
    for (const [name, args] of [
      ['viewer', ['--role', 'viewer']],
      ['other-viewer', ['--role', 'viewer', '--service', 'other']],
    ] as const) {
      const r = await runway(['token', 'create', name, ...args, '--json'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      tokens.set(name, (JSON.parse(r.stdout) as { token: string }).token);
    }
    serve = spawnRunway(['serve'], { cwd: dir });
    const info = join(dir, '.runway', 'runway', 'server.json');
    for (let i = 0; i < 300 && !url; i++) {
      if (existsSync(info)) {
        const server = JSON.parse(readFileSync(info, 'utf8')) as { pid: number; url: string };
        if (server.pid === serve.pid) url = server.url;
      }
      if (!url) await sleep(50);
    }
    if (!url) throw new Error('runway serve did not start');
  });

  after(async () => {
    await runway(['serve', 'stop'], { cwd: dir });
    serve?.kill('SIGKILL');
  });

  const get = (path: string, who?: string) =>
    fetch(url + path, { headers: who ? { authorization: `Bearer ${tokens.get(who)}` } : {} });

  it('serves its page and bundle from this server only, without a token', async () => {
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(
      refs.filter((r) => !r!.startsWith('/ui/') && !r!.startsWith('#')),
      [],
      'nothing loaded from elsewhere',
    );
    const js = await get('/ui/app.js');
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.match(await js.text(), /uPlot|uplot/, 'the chart library is bundled in');
    assert.equal((await get('/ui/app.css')).status, 200);
    assert.equal((await get('/ui/secrets.json')).status, 404);
  });

  it('streams a view only with a token, and sends it again when a run changes it', async () => {
    assert.equal((await get('/v1/stream?view=overview')).status, 401);
    const bad = await get('/v1/stream?view=nope', 'viewer');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /view "nope" is not one of overview/);

    const controller = new AbortController();
    const res = await fetch(`${url}/v1/stream?view=overview`, {
      headers: { authorization: `Bearer ${tokens.get('viewer')}` },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const views: { runs: { id: number; status: string }[] }[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        for (let cut = buf.indexOf('\n\n'); cut >= 0; cut = buf.indexOf('\n\n')) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          if (!block.includes('event: view')) continue;
          views.push(
            JSON.parse(
              block
                .split('\n')
                .find((l) => l.startsWith('data: '))!
                .slice(6),
            ),
          );
        }
      }
    })().catch(() => undefined);
    try {
      while (views.length === 0) await sleep(50);
      assert.deepEqual(views[0]!.runs, [], 'no run yet');
      const run = await runway(['run', '--message', 'feat: a'], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      for (let i = 0; i < 100 && !views.at(-1)!.runs.some((r) => r.status === 'succeeded'); i++)
        await sleep(100);
      assert.equal(views.at(-1)!.runs[0]?.status, 'succeeded', 'the finished run arrived on the stream');
    } finally {
      controller.abort();
      await reading;
    }
  });

  it('shows a token scoped to other services none of this one', async () => {
    const mine = (await (await get('/v1/overview', 'viewer')).json()) as { runs: unknown[] };
    const other = (await (await get('/v1/overview', 'other-viewer')).json()) as { runs: unknown[] };
    assert.ok(mine.runs.length >= 1);
    assert.deepEqual(other.runs, []);
    const run = await get('/v1/stream?view=run&id=1', 'other-viewer');
    const text = await readFirstEvent(run);
    assert.match(text, /event: problem[\s\S]*may not see run 1 of shop/);
  });
});

/** The stream's text up to its first event other than the opening comment. */
async function readFirstEvent(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!/\nevent: /.test(`\n${text}`)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  while (!text.includes('\n\n', text.indexOf('event: '))) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}
