import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LocalExecutor } from './local-executor.ts';
import { directArgv } from './simple-command.ts';

describe('directArgv', () => {
  it('execs one plain command directly, word by word', () => {
    assert.deepEqual(directArgv('npm test'), ['npm', 'test']);
    assert.deepEqual(directArgv('  make -j2  build\t'), ['make', '-j2', 'build']);
    assert.deepEqual(directArgv('npx eslint --max-warnings=0 src/a.ts'), [
      'npx',
      'eslint',
      '--max-warnings=0',
      'src/a.ts',
    ]);
    assert.deepEqual(directArgv('true'), ['true']);
  });

  it('leaves to bash everything the shell gives meaning to', () => {
    for (const script of [
      'echo hi',
      'true --help',
      'cd dir',
      'FOO=1 make',
      'make && make test',
      'make | tee log',
      'make > log',
      'ls *.ts',
      'echo "quoted"',
      "echo 'quoted'",
      'echo $HOME',
      'echo `date`',
      'ls ~/x',
      'make # comment',
      'make\nmake test',
      'test -f x',
      '[ -f x ]',
      'if true',
      'export A',
      'exec make',
      '',
      '   ',
    ])
      assert.equal(directArgv(script), null, script);
  });

  it('never lets a shell metacharacter through (property)', () => {
    const char = fc.constantFrom(...'ab-_=./ $`"\'\\|&;<>(){}[]*?!#~\n\t'.split(''));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 20 }), (chars) => {
        const argv = directArgv(chars.join(''));
        if (argv === null) return;
        for (const word of argv) assert.match(word, /^[A-Za-z0-9_@%+,./:=-]+$/);
      }),
    );
  });
});

describe('a direct exec and bash agree', () => {
  const run = async (executor: LocalExecutor, script: string) => {
    let out = '';
    const result = await executor.run({
      script,
      cwd: import.meta.dirname,
      env: { PATH: '/usr/bin:/bin', SHLVL: '2', LANG: 'C' },
      secrets: [],
      onOutput: (text) => {
        out += text;
      },
    });
    return {
      exitCode: result.exitCode,
      out: out
        .replace(/^\S*bash: /m, 'runway: ')
        .split('\n')
        .sort(),
    };
  };
  const direct = new LocalExecutor('bash', { direct: true });
  const shell = new LocalExecutor('bash', { direct: false });

  for (const script of [
    'true',
    'false',
    'env',
    'ls simple-command.ts',
    'ls no-such-file',
    'cat no-such-file',
    'expr 1 + 2',
    'seq 3',
    'no-such-program a b',
    'sh -c exit',
  ])
    it(`runs ${JSON.stringify(script)} with the same exit status and output`, async () => {
      assert.deepEqual(await run(direct, script), await run(shell, script));
    });
});

describe('a step whose working directory is missing', () => {
  for (const direct of [true, false])
    it(`says so and exits 127 (${direct ? 'direct exec' : 'bash'})`, async () => {
      let out = '';
      const result = await new LocalExecutor('bash', { direct }).run({
        script: 'true',
        cwd: '/no/such/dir',
        env: { PATH: '/usr/bin:/bin' },
        secrets: [],
        onOutput: (text) => {
          out += text;
        },
      });
      assert.equal(result.exitCode, 127);
      assert.equal(out, 'runway: cannot start in /no/such/dir: no such directory\n');
    });
});
