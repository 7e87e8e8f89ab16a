import { randomUUID } from 'node:crypto';

/**
 * Step outputs in the `GITHUB_OUTPUT` file format: `name<<DELIMITER`, the value, the delimiter,
 * so any value (multi-line too) is safe; the delimiter is random and checked not to occur in it.
 */
export function formatOutputs(
  outputs: Record<string, string>,
  delimiter = () => `ghadelimiter_${randomUUID()}`,
): string {
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name))
      throw new Error(`output name ${JSON.stringify(name)} is not valid`);
    let d = delimiter();
    while (value.includes(d) || name.includes(d)) d = delimiter();
    text += `${name}<<${d}\n${value}\n${d}\n`;
  }
  return text;
}
