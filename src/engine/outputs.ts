import type { EvidenceValue } from '../actions/action.ts';

/**
 * Parses a `$RUNWAY_OUTPUT` file: `key=value` lines, and `key<<DELIM` … `DELIM` blocks for
 * multi-line values (the GitHub Actions format). Later keys win.
 */
export function parseKeyValues(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const heredoc = /^([A-Za-z_][A-Za-z0-9_.-]*)<<(\S+)$/.exec(line);
    if (heredoc) {
      const [, key = '', delim] = heredoc;
      const end = lines.indexOf(delim ?? '', i + 1);
      if (end < 0)
        throw new Error(`${file}:${i + 1}: "${key}<<${delim}" is never closed by a line "${delim}"`);
      out[key] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) {
      throw new Error(
        `${file}:${i + 1}: expected key=value or key<<DELIMITER, got ${JSON.stringify(line.slice(0, 40))}`,
      );
    }
    out[key] = line.slice(eq + 1);
  }
  return out;
}

/** Types an evidence value written as text: numbers and booleans become typed, the rest stays text. */
export function typeEvidence(text: string): EvidenceValue {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?%?$/.test(t)) return Number(t.replace(/%$/, ''));
  return text;
}
