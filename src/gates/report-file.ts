import { readFileSync, statSync } from 'node:fs';

/** Largest report (SARIF, JUnit, coverage) a gate reads: parsed whole, it costs about 15× its size. */
export const MAX_REPORT_BYTES = 16 * 1024 * 1024;

/** A report that is too large to read. */
export class ReportTooLargeError extends Error {
  constructor(path: string, bytes: number) {
    super(
      `${path}: the report is ${bytes} bytes — over the limit of ${MAX_REPORT_BYTES} bytes (16 MiB); split it or filter it`,
    );
    this.name = 'ReportTooLargeError';
  }
}

/**
 * Reads a report's bytes, refusing one over {@link MAX_REPORT_BYTES} before reading it, so a huge
 * file fails the gate with the limit named instead of exhausting memory.
 */
export function readReport(path: string): Buffer {
  const bytes = statSync(path).size;
  if (bytes > MAX_REPORT_BYTES) throw new ReportTooLargeError(path, bytes);
  return readFileSync(path);
}
