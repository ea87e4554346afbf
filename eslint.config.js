import tseslint from 'typescript-eslint';

const SERVICES = ['gateway', 'partner-sim', 'simluhtan-adapter', 'ekartutani-adapter', 'bpjs-adapter', 'plkk-adapter', 'bank-adapter', 'hospital-adapter'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/.tap/**', '**/dist/**', 'results/**', 'openapi/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['../../*'], message: 'Do not reach across package roots: depend on the workspace package and its exports.' },
          { group: SERVICES.map((s) => `@sutasoma/${s}`), message: 'A service reaches another only through a queue or an HTTP contract, never by importing it.' },
        ],
      }],
    },
  },
  {
    files: ['services/*/test/**/*.ts', 'packages/*/test/**/*.ts'],
    // Tests read JSON answers as the client would: untyped.
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
