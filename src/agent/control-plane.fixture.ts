import { readFileSync } from 'node:fs';
import type { SiteDesiredInput } from './desired.ts';
import { ensureAgent } from './launch.ts';

/**
 * A stand-in control plane for the launch tests, run as its own process:
 * `node control-plane.fixture.ts <agent dir> <site.json>` ensures the agent, applies the site, waits
 * until every instance is ready, prints `{ pid, started }` and exits.
 */
const [dir, sitePath] = process.argv.slice(2) as [string, string];
const desired = JSON.parse(readFileSync(sitePath, 'utf8')) as SiteDesiredInput;
const { client, pid, started } = await ensureAgent(dir);
await client.apply(desired);
const deadline = Date.now() + 5000;
for (;;) {
  const status = await client.site(desired.service, desired.environment);
  if (status.instances.length > 0 && status.instances.every((i) => i.ready)) break;
  if (Date.now() > deadline) throw new Error(`not ready: ${JSON.stringify(status.instances)}`);
  await new Promise((r) => setTimeout(r, 25));
}
console.log(JSON.stringify({ pid, started }));
