/** Against the real PostgreSQL 15 the pipeline starts as a stage service ($PGPORT). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { score } from '../../src/priority.ts';

const PSQL = '/usr/lib/postgresql/15/bin/psql';
const port = process.env['PGPORT'] ?? '';

/** Runs psql with `args`, reading SQL from `input` when given (psql variables work there, not in -c). */
function psql(args: string[], input?: string): string {
  const base = [
    '-h',
    '127.0.0.1',
    '-p',
    port,
    '-U',
    'companyos',
    '-d',
    'postgres',
    '-v',
    'ON_ERROR_STOP=1',
    '-qtA',
  ];
  return execFileSync(PSQL, [...base, ...args], {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(input === undefined ? {} : { input }),
  }).trim();
}

describe('the task table on PostgreSQL', () => {
  it('the schema applies twice, refuses a bad severity and orders the queue by score', () => {
    assert.ok(Number(port) > 0, 'PGPORT is set');
    psql(['-f', 'db/schema.sql']);
    psql(['-f', 'db/schema.sql']);
    psql(['-c', 'TRUNCATE tasks']);
    const tasks = [
      { title: 'docs', severity: 'low', dueInHours: 72 },
      { title: "o'utage", severity: 'critical', dueInHours: -2 },
      { title: 'review', severity: 'high', dueInHours: 12 },
    ] as const;
    for (const t of tasks) {
      const vars = {
        title: t.title,
        severity: t.severity,
        due: String(t.dueInHours),
        score: String(score(t)),
      };
      psql(
        Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`]),
        "INSERT INTO tasks (title, severity, due_in_h, score) VALUES (:'title', :'severity', :due, :score);",
      );
    }
    const order = psql(['-c', "SELECT string_agg(title, ',' ORDER BY score DESC, id) FROM tasks"]);
    assert.equal(order, "o'utage,review,docs");
    assert.throws(
      () =>
        psql(['-c', "INSERT INTO tasks (title, severity, due_in_h, score) VALUES ('x', 'urgent', 1, 10)"]),
      /tasks_severity_check/,
    );
  });
});
