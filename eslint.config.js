import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.runway/**', '**/.runway/**', 'coverage/**', '**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The dashboard's pages run in the browser.
    files: ['src/web/ui/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The store and the records it persists are leaves: they never import the layers that use them.
    files: ['src/store/**/*.ts', 'src/records/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(actions|agent|analysis|cli|deploy|engine|executors|gates|server)/',
              message: 'store/ and records/ are leaves: move the shared type into src/records/ instead.',
            },
          ],
        },
      ],
    },
  },
);
