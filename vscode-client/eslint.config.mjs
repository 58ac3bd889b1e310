// ESLint flat config: the recommended JS and TypeScript rules over the sources and the tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      eqeqeq: ['error', 'always'],
      curly: 'error',
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests use one-line guards (`if (x) return;`) in table-driven loops and fakes.
    files: ['test/**/*.ts'],
    rules: { curly: 'off' },
  },
);
