import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run, windowCommand } from '../../src/cli/commands/window.ts';
import { UsageError } from '../../src/cli/errors.ts';
import type { Io } from '../../src/cli/io.ts';
import type { Clock } from '../../src/engine/clock.ts';
import { parseWindows } from '../../src/gates/windows/parse.ts';
import { presetCalendars } from '../../src/gates/windows/presets.ts';

function captureIo(): Io & { stdout(): string } {
  let out = '';
  return {
    out: (t) => void (out += t),
    err: () => {},
    tty: false,
    color: false,
    columns: 100,
    env: {},
    cwd: process.cwd(),
    stdout: () => out,
  };
}

const clockAt = (iso: string): Clock => ({ now: () => new Date(iso), sleep: async () => {} });

test('window check exits 0 when open and 1 when closed, with the reason and the next change', async () => {
  const open = captureIo();
  assert.equal(await run(['check', 'business-hours', '--at', '2026-03-10T10:00:00Z'], open), 0);
  assert.equal(
    open.stdout(),
    '✔ business-hours (UTC) is open\n' +
      '  at     2026-03-10T10:00:00.000Z  tue 2026-03-10 10:00 (UTC+00:00)\n' +
      '  closes 2026-03-10T16:00:00.000Z  tue 2026-03-10 16:00 (UTC+00:00)\n',
  );
  const closed = captureIo();
  assert.equal(await run(['check', 'business-hours', '--at', '2026-03-07T10:00:00Z'], closed), 1);
  assert.equal(
    closed.stdout(),
    '✖ business-hours (UTC) is closed: weekend (deny[0])\n' +
      '  at     2026-03-07T10:00:00.000Z  sat 2026-03-07 10:00 (UTC+00:00)\n' +
      '  opens  2026-03-09T09:00:00.000Z  mon 2026-03-09 09:00 (UTC+00:00)\n',
  );
});

test('window check --json and --tz', async () => {
  const io = captureIo();
  const code = await run(
    ['check', 'business-hours', '--at', '2026-03-13T13:30+01:00', '--tz', 'Europe/Berlin', '--json'],
    io,
  );
  assert.equal(code, 1);
  assert.deepEqual(JSON.parse(io.stdout()), {
    window: 'business-hours',
    timezone: 'Europe/Berlin',
    at: '2026-03-13T12:30:00.000Z',
    open: false,
    reason: 'Friday afternoon',
    rule: 'deny[1]',
    until: '2026-03-16T08:00:00.000Z',
  });
});

test('window next prints when the window opens and closes, from the clock when --at is absent', async () => {
  const command = windowCommand(() => presetCalendars(), clockAt('2026-10-31T15:00:00Z'));
  const io = captureIo();
  assert.equal(await command(['next', 'business-hours', '--tz', 'America/New_York', '--json'], io), 0);
  assert.deepEqual(JSON.parse(io.stdout()), {
    window: 'business-hours',
    timezone: 'America/New_York',
    at: '2026-10-31T15:00:00.000Z',
    opensAt: '2026-11-02T14:00:00.000Z',
    closesAt: '2026-11-02T21:00:00.000Z',
  });
  const plain = captureIo();
  await command(['next', 'business-hours', '--tz', 'America/New_York'], plain);
  assert.match(
    plain.stdout(),
    /^business-hours \(America\/New_York\)\n {2}from {3}2026-10-31T15:00:00.000Z {2}sat/,
  );
  assert.match(
    plain.stdout(),
    /\n {2}opens {2}2026-11-02T14:00:00.000Z {2}mon 2026-11-02 09:00 \(UTC-05:00\)\n/,
  );
});

test('window uses whatever calendars the lookup gives, and exits 1 when one never opens', async () => {
  const windows = parseWindows({
    never: { allow: [{ days: 'sat' }], deny: [{ days: 'sat', reason: 'no' }] },
  });
  const command = windowCommand(() => windows, clockAt('2026-03-10T10:00:00Z'));
  const io = captureIo();
  assert.equal(await command(['next', 'never'], io), 1);
  assert.match(io.stdout(), /opens {2}not within 366 days\n$/);
});

test('bad names, subcommands, zones and times are usage errors that list what is valid', async () => {
  const cases: [string[], RegExp][] = [
    [['check', 'weekdays'], /^unknown window "weekdays" — expected one of: business-hours$/],
    [['check'], /^a window name is needed — expected one of: business-hours$/],
    [[], /^a subcommand is needed — expected one of: check, next; usage: runway window/],
    [['open', 'business-hours'], /^unknown subcommand "open" — expected one of: check, next/],
    [['check', 'business-hours', 'extra'], /^unexpected argument "extra"/],
    [['check', 'business-hours', '--tz', 'Mars/Olympus'], /^--tz: unknown time zone "Mars\/Olympus"/],
    [
      ['check', 'business-hours', '--at', 'tomorrow'],
      /^--at "tomorrow" is not an ISO 8601 time with Z or an offset/,
    ],
    [
      ['check', 'business-hours', '--at', '2026-03-10T10:00'],
      /^--at "2026-03-10T10:00" is not an ISO 8601 time/,
    ],
    [['check', 'business-hours', '--at', '2026-02-30T10:00Z'], /^--at "2026-02-30T10:00Z" is not/],
    [['next', 'business-hours', '--at', '2026-03-10T25:00Z'], /^--at "2026-03-10T25:00Z" is not/],
  ];
  for (const [args, message] of cases)
    await assert.rejects(
      run(args, captureIo()),
      (err) => err instanceof UsageError && message.test(err.message),
      args.join(' '),
    );
  await assert.rejects(run(['check', 'business-hours', '--colour'], captureIo()), {
    code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
  });
});
