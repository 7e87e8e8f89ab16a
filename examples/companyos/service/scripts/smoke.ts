/** Smoke test: health reports the expected version. Usage: node scripts/smoke.ts URL [VERSION] */
const [base = 'http://127.0.0.1:4000', expected = ''] = process.argv.slice(2);
const health = (await (await fetch(`${base}/health`)).json()) as { status: string; version: string };
if (health.status !== 'healthy') throw new Error(`health is ${health.status}`);
if (expected && health.version !== expected)
  throw new Error(`version is ${health.version}, expected ${expected}`);
console.log(`smoke ok: ${base} runs ${health.version}`);
