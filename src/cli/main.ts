import { ConfigError } from '../config/errors.ts';
import { MissingSecretError, ResumeError } from '../engine/errors.ts';
import { runwayVersion } from '../package-root.ts';
import { ServerError } from '../server/client.ts';
import { RunTakenOverError } from '../store/store.ts';
import { COMMANDS } from './commands.ts';
import { EXIT, UsageError } from './errors.ts';
import { processIo, type Io } from './io.ts';

/** Runs the CLI and returns the exit code; the one place errors become exit codes. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(help());
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    if (name === '--version' || name === '-v') {
      io.out(`${version()}\n`);
      return EXIT.ok;
    }
    const command = COMMANDS[name];
    if (!command)
      throw new UsageError(
        `unknown command "${name}" — expected one of: ${Object.keys(COMMANDS).join(', ')}`,
      );
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`${command.summary}\n\nusage: ${command.usage}\n`);
      return EXIT.ok;
    }
    const mod = await command.load();
    return await mod.run(rest, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof ServerError && (err.status === 401 || err.status === 403)) {
      io.err(`runway: not allowed: ${err.message}\n`);
      return EXIT.auth;
    }
    if (err instanceof RunTakenOverError) {
      io.err(`runway: ${err.message}\n`);
      return EXIT.failed;
    }
    if (err instanceof UsageError || err instanceof ResumeError || err instanceof MissingSecretError) {
      io.err(`runway: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      const unknown = /Unknown option '([^']+)'/.exec(err.message)?.[1];
      const what = unknown ? `unknown flag ${unknown} for "runway ${name}"` : err.message.split('. ')[0];
      io.err(`runway: ${what}\nusage: ${COMMANDS[name ?? '']?.usage ?? 'runway --help'}\n`);
      return EXIT.usage;
    }
    io.err(
      `runway: internal error: ${(err as Error)?.stack ?? String(err)}\n` +
        'This is a bug in runway. Please report it with the command you ran and the output above.\n',
    );
    return EXIT.internal;
  }
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return [
    'runway — progressive delivery from one file',
    '',
    'usage: runway <command> [flags]',
    '',
    'commands:',
    ...lines,
    '',
    'Run "runway <command> --help" for its flags. Exit codes: 0 ok, 1 pipeline failed or gate denied, 2 usage or config error, 4 not allowed.',
    '',
  ].join('\n');
}

function version(): string {
  return `runway ${runwayVersion()}`;
}
