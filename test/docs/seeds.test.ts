import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from '../e2e/helpers.ts';

const STATUSES = new Set(['works', 'stand-in', 'not supported']);

/** Every table row of docs/seeds.md under a header that has a Status column, with its line. */
function rows(): { line: number; status: string; shownBy: string }[] {
  const lines = readFileSync(join(REPO, 'docs', 'seeds.md'), 'utf8').split('\n');
  const out: { line: number; status: string; shownBy: string }[] = [];
  let header: string[] | undefined;
  lines.forEach((text, i) => {
    if (!text.startsWith('|')) {
      header = undefined;
      return;
    }
    const cells = text
      .replace(/\\\|/g, '\uE000')
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim().replace(/\uE000/g, '|'));
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      return;
    }
    if (cells.every((c) => /^-+$/.test(c))) return;
    const status = header.indexOf('status');
    if (status < 0) return;
    out.push({ line: i + 1, status: cells[status] ?? '', shownBy: cells[status + 1] ?? '' });
  });
  return out;
}

describe('docs/seeds.md', () => {
  const table = rows();

  it('maps both seeds, line by line', () => {
    assert.ok(table.length > 150, `only ${table.length} rows`);
  });

  it('leaves no row without a status', () => {
    // a row may split: "works (notes); not supported (GitHub release)"
    const statusesOf = (cell: string) => cell.split(';').map((part) => part.replace(/\(.*\)/, '').trim());
    const bad = table
      .filter((r) => !statusesOf(r.status).every((s) => STATUSES.has(s)))
      .map((r) => `line ${r.line}: "${r.status}"`);
    assert.deepEqual(bad, []);
  });

  it('names the test that shows every row that works, and each named test file exists', () => {
    for (const row of table.filter((r) => r.status.startsWith('works'))) {
      assert.ok(row.shownBy !== '' && row.shownBy !== '—', `line ${row.line} works but names no test`);
      for (const [file] of row.shownBy.matchAll(/(?:src|test)\/[\w./-]+\.test\.ts/g))
        assert.ok(existsSync(join(REPO, file)), `line ${row.line} names ${file}, which does not exist`);
    }
  });
});
