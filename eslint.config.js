// Lint: typescript-eslint's recommended rules with type information for src/, plain recommended rules
// for the tests and benchmark scripts. Formatting is Prettier's business (`npm run format:check`).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', '.node/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // `_name` marks a value destructured away on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Units are generators that yield only to wait: `while (!input.ready()) yield;`.
      'require-yield': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
);
