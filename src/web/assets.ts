/*
 * The dashboard's files: index.html, app.js and app.css. A package serves them from dist/web/
 * (built by scripts/build.ts); a checkout without dist/web/ builds them on first request with
 * esbuild, from src/web/ui/. Nothing is fetched from a CDN: uPlot is bundled into app.js.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.ts';

export interface Asset {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

let built: Promise<Map<string, Buffer>> | undefined;

/** The asset by file name, or undefined when there is none of that name. */
export async function asset(name: string): Promise<Asset | undefined> {
  const type = TYPES[name];
  if (!type) return undefined;
  const files = await (built ??= load(PACKAGE_ROOT));
  const body = files.get(name);
  return body ? { type, body } : undefined;
}

async function load(root: string): Promise<Map<string, Buffer>> {
  const dist = join(root, 'dist', 'web');
  if (existsSync(join(dist, 'app.js')) && !existsSync(join(root, 'src', 'web', 'ui', 'main.ts'))) {
    return new Map(Object.keys(TYPES).map((n) => [n, readFileSync(join(dist, n))]));
  }
  return buildDashboard(root);
}

/** Bundles src/web/ui/ (JS and CSS, minified) with esbuild; returns the three files by name. */
export async function buildDashboard(root: string): Promise<Map<string, Buffer>> {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: { app: 'src/web/ui/main.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  });
  const files = new Map<string, Buffer>();
  for (const f of result.outputFiles) {
    const name = f.path.endsWith('.css') ? 'app.css' : 'app.js';
    files.set(name, Buffer.from(f.contents));
  }
  files.set('index.html', readFileSync(join(root, 'src', 'web', 'ui', 'index.html')));
  return files;
}
