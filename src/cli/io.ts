/** Where a command writes, and what it knows about the terminal; injectable for tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is an interactive terminal. */
  tty: boolean;
  color: boolean;
  columns: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The process's own terminal. */
export function processIo(): Io {
  const tty = Boolean(process.stdout.isTTY);
  // a reader that went away (`runway runs | head`) is not an error
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    tty,
    color: tty && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb',
    columns: process.stdout.columns || 100,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Wraps text in an ANSI style when colour is on. */
export function paint(
  io: Io,
  style: 'red' | 'green' | 'yellow' | 'dim' | 'bold' | 'cyan',
  text: string,
): string {
  if (!io.color) return text;
  const codes = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1, cyan: 36 } as const;
  return `\x1b[${codes[style]}m${text}\x1b[0m`;
}
