import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Whether `path` is an existing directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The file's text, or "" when it does not exist; the file is removed. One stat for a file that is not
 * there (the common case: most steps write no outputs), rather than a failed read and a failed unlink.
 */
export function takeFile(path: string): string {
  if (!statSync(path, { throwIfNoEntry: false })) return '';
  try {
    return readFileSync(path, 'utf8');
  } finally {
    rmSync(path, { force: true });
  }
}

/** The file's size, or undefined when it does not exist. */
export function safeSize(path: string): number | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false })?.size; // most steps print nothing: no exception for them
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

/**
 * Appends to a run's file, creating it readable by its owner only (logs may hold what masking missed).
 * Its folder is created (mode 0700) on the first write, so a step that prints nothing costs no mkdir.
 */
export function appendPrivate(path: string, text: string): void {
  try {
    appendFileSync(path, text, { mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    appendFileSync(path, text, { mode: 0o600 });
  }
}
