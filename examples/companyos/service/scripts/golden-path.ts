/**
 * The golden path: create an overdue critical task, get it back scored first-rank (160), and read
 * the queue. Prints `pass` or `fail` as its last line (the seed's synthetic-check reads
 * `result == "pass"`). Each instance keeps its own queue, so it checks the answer it was given.
 * Usage: node scripts/golden-path.ts URL
 */
const [base = 'http://127.0.0.1:4000'] = process.argv.slice(2);
const created = await fetch(`${base}/v1/tasks`, {
  method: 'POST',
  body: JSON.stringify({ title: 'golden path', severity: 'critical', dueInHours: -1 }),
});
const task = created.status === 201 ? ((await created.json()) as { score?: number }) : {};
const queue = await fetch(`${base}/v1/tasks`);
console.log(`created ${created.status} with score ${task.score}, queue ${queue.status}`);
console.log(created.status === 201 && task.score === 160 && queue.status === 200 ? 'pass' : 'fail');
