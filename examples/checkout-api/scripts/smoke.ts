/** Golden-path smoke test: health reports the expected version, and a quote is computed. */
const [base = 'http://127.0.0.1:4000', expected = ''] = process.argv.slice(2);

const health = (await (await fetch(`${base}/health`)).json()) as { status: string; version: string };
if (health.status !== 'healthy') throw new Error(`health is ${health.status}`);
if (expected && health.version !== expected)
  throw new Error(`version is ${health.version}, expected ${expected}`);

const res = await fetch(`${base}/v1/cart/quote`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ items: [{ sku: 'COFFEE-BEANS-1KG', qty: 2 }] }),
});
if (res.status !== 200) throw new Error(`quote answered ${res.status}: ${await res.text()}`);
console.log(`golden path ok: version ${health.version}, quote ${JSON.stringify(await res.json())}`);
