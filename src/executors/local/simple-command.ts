import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * GNU make's fast path: a script that is one simple command — words of plain characters, no
 * quoting, expansion, redirection, pipes, globs or shell keywords — runs by exec'ing the program
 * directly, without a shell in between. bash would fork and exec the same program with the same
 * arguments; skipping it halves the processes a step costs and gives the same exit status, output
 * and process group. Anything else, or a first word that the shell treats specially, returns null
 * and runs under bash as before.
 */

/** Characters that never change meaning in a shell word (POSIX "portable" plus a few inert ones). */
const PLAIN_WORD = /^[A-Za-z0-9_@%+,./:=-]+$/;

/**
 * First words bash runs itself, or that mean something else as an external program (`echo --help`,
 * `true --help`, `test`, `printf -v`): those always go through the shell. `true`/`false` with no
 * arguments behave the same either way, so they are let through below.
 */
const SHELL_FIRST_WORDS = new Set([
  ...['!', '[', '[[', ']]', '{', '}', ':', '.', 'alias', 'bg', 'bind', 'break', 'builtin', 'caller'],
  ...['case', 'cd', 'command', 'compgen', 'complete', 'compopt', 'continue', 'coproc', 'declare'],
  ...['dirs', 'disown', 'do', 'done', 'echo', 'elif', 'else', 'enable', 'esac', 'eval', 'exec', 'exit'],
  ...['export', 'false', 'fc', 'fg', 'fi', 'for', 'function', 'getopts', 'hash', 'help', 'history'],
  ...['if', 'in', 'jobs', 'kill', 'let', 'local', 'logout', 'mapfile', 'popd', 'printf', 'pushd', 'pwd'],
  ...['read', 'readarray', 'readonly', 'return', 'select', 'set', 'shift', 'shopt', 'source', 'suspend'],
  ...['test', 'then', 'time', 'times', 'trap', 'true', 'type', 'typeset', 'ulimit', 'umask', 'unalias'],
  ...['unset', 'until', 'wait', 'while'],
]);

/** The argv to exec for a one-simple-command script, or null when it needs a shell. */
export function directArgv(script: string): string[] | null {
  const words = script.trim().split(/[ \t]+/);
  if (words.length === 0 || words[0] === '' || words.length > 64) return null;
  if (!words.every((w) => PLAIN_WORD.test(w))) return null;
  const [program] = words as [string, ...string[]];
  if (program.includes('=') || program.startsWith('-')) return null;
  if (SHELL_FIRST_WORDS.has(program) && !(words.length === 1 && (program === 'true' || program === 'false')))
    return null;
  return words;
}

/**
 * The environment `bash -c` hands a single command it execs: PWD exported, SHLVL as it was (bash
 * counts up on start and back down on exec, 0 when there was none) and `_` set to the program's
 * path. So a program sees the same variables whichever way it was started.
 */
export function shellLikeEnv(env: Record<string, string>, cwd: string, path: string): Record<string, string> {
  const level = Number.parseInt(env['SHLVL'] ?? '', 10);
  return { ...env, PWD: cwd, SHLVL: String(Number.isFinite(level) ? level : 0), _: path };
}

/** The file bash would exec for `program`: searched on the given PATH, or as given when it has a slash. */
export function resolveProgram(program: string, pathVar: string | undefined, cwd: string): string {
  if (program.includes('/')) return program;
  for (const dir of (pathVar ?? '').split(':')) {
    const candidate = resolve(cwd, dir === '' ? '.' : dir, program);
    if (!statSync(candidate, { throwIfNoEntry: false })?.isFile()) continue; // most PATH entries miss: no exception for them
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not executable: keep looking, as execvp does
    }
  }
  return program;
}
