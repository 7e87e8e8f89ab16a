/**
 * Where a `run:` script's `${{ }}` would stay literal text: inside single quotes (`'…'`, `$'…'`) or the
 * body of a heredoc with a quoted delimiter (`<<'EOF'`) bash expands no variable, so the
 * `${RUNWAY_EXPR_n}` it becomes reaches the command as those characters. Offsets are those of the
 * `${{`; escapes, double quotes, comments and heredocs are followed the way bash reads them.
 * Example: `singleQuotedTemplates("jq --arg v '${{ sha }}'")` is `[12]`.
 */
export function singleQuotedTemplates(script: string): number[] {
  const found: number[] = [];
  const heredocs: { delimiter: string; quoted: boolean; tabs: boolean }[] = [];
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
      i = (end === -1 ? script.length : end) - 1;
    } else if (script.startsWith('<<', i) && !script.startsWith('<<<', i)) {
      const m = /^<<(-?)[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|([^\s;|&<>()]+))/.exec(script.slice(i));
      if (m) {
        const word = m[2] ?? m[3] ?? m[4] ?? '';
        const quoted = m[2] !== undefined || m[3] !== undefined || /['"\\]/.test(word);
        heredocs.push({ delimiter: word.replace(/['"\\]/g, ''), quoted, tabs: m[1] === '-' });
        i += m[0].length - 1;
      }
    } else if (c === '\n' && heredocs.length > 0) {
      // read each pending heredoc's body, up to its delimiter line
      let at = i + 1;
      for (const doc of heredocs.splice(0)) {
        while (at < script.length) {
          const end = script.indexOf('\n', at) === -1 ? script.length : script.indexOf('\n', at);
          const line = script.slice(at, end);
          if ((doc.tabs ? line.replace(/^\t+/, '') : line) === doc.delimiter) {
            at = end + 1;
            break;
          }
          if (doc.quoted)
            for (let k = line.indexOf('${{'); k !== -1; k = line.indexOf('${{', k + 1)) found.push(at + k);
          at = end + 1;
        }
      }
      i = at - 1;
    }
  }
  return found;
}
