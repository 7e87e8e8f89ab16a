/**
 * Where a `run:` script's `${{ }}` would stay literal text: inside single quotes (`'…'`, `$'…'`) bash
 * expands no variable, so the `${RUNWAY_EXPR_n}` it becomes reaches the command as those 17
 * characters. Offsets are those of the `${{`; escapes, double quotes and comments are followed the
 * way bash reads them. Example: `singleQuotedTemplates("jq --arg v '${{ sha }}'")` is `[12]`.
 */
export function singleQuotedTemplates(script: string): number[] {
  const found: number[] = [];
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (quote === "'") {
      if (c === "'") quote = '';
      else if (script.startsWith('${{', i)) found.push(i);
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s|;/.test(script[i - 1] ?? ''))) {
      const end = script.indexOf('\n', i);
      i = end === -1 ? script.length : end;
    }
  }
  return found;
}
