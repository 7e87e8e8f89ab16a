import ts from 'typescript';

/**
 * Rewrites Ajv's standalone module so V8 compiles every validator when the file is compiled, not
 * at its first call: each top-level `function validateN(…) {…}` becomes
 * `var validateN = (function validateN(…) {…});` (a parenthesized function is compiled eagerly), and
 * the `exports.… = validateN` lines move to the end, after the functions they name are assigned.
 * Node's compile cache keeps what was compiled with the file, so with this the validators' bytecode
 * is cached between runs instead of recompiled at each start (tens of milliseconds for runway.yaml's).
 * Used by scripts/build.ts; the validators behave exactly as before.
 */
export function eagerValidators(code: string): string {
  const file = ts.createSourceFile('validators.cjs', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const exportLines: string[] = [];
  let out = '';
  let pos = 0;
  for (const statement of file.statements) {
    const start = statement.getStart(file);
    if (isExportAssignment(statement)) {
      out += code.slice(pos, start);
      exportLines.push(code.slice(start, statement.end));
      pos = statement.end;
    } else if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
      const name = statement.name.text;
      out += `${code.slice(pos, start)}var ${name} = (${code.slice(start, statement.end)});`;
      pos = statement.end;
    }
  }
  return `${out}${code.slice(pos)}\n${exportLines.join('\n')}\n`;
}

/** `exports.name = value;` (what Ajv's standalone code writes for each validator it exports). */
function isExportAssignment(statement: ts.Statement): boolean {
  if (!ts.isExpressionStatement(statement)) return false;
  const e = statement.expression;
  return (
    ts.isBinaryExpression(e) &&
    e.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    ts.isPropertyAccessExpression(e.left) &&
    ts.isIdentifier(e.left.expression) &&
    e.left.expression.text === 'exports'
  );
}
