/**
 * The reason a `JSON.parse` failed, without the excerpt of the input V8 quotes in it: the text read
 * may be any file a user named (`/etc/passwd`) or a secret, and the reason ends up in logs and gates.
 * @example jsonErrorReason(new SyntaxError('Unexpected token \'r\', "root:x:0:0:"... is not valid JSON'))
 * // "Unexpected token 'r' (not valid JSON)"
 */
export function jsonErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/,\s*"[\s\S]*?"(?:\.\.\.)?\s+is not valid JSON$/, ' (not valid JSON)');
}
