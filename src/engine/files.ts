import { appendFileSync, readFileSync, statSync } from 'node:fs';

/** Whether `path` is an existing directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The file's text, or "" when it does not exist. */
export function readIfExists(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** The file's size, or undefined when it does not exist. */
export function safeSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/** The last lines of a file joined with " | ", for error messages. */
export function readTail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

/** Appends to a run's file, creating it readable by its owner only (logs may hold what masking missed). */
export function appendPrivate(path: string, text: string): void {
  appendFileSync(path, text, { mode: 0o600 });
}
