// @ts-check
// ESLint 9 flat config: ESLint's and typescript-eslint's recommended rules, type-aware (under
// 20 s for the whole tree on 2 cores), and eslint-config-prettier last so that no stylistic rule
// fights Prettier, which owns all formatting (npm run format).
import { fileURLToPath } from 'node:url';
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// `_`-prefixed parameters keep a signature's arity (Express tells an error handler by its four
// parameters); a destructured-away key (`{ dropped, ...rest }`) is how to omit one.
const unusedVars = { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true };

export default defineConfig(
  { ignores: ['dist/', 'data/', 'bench/results/', 'coverage/'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      sourceType: 'module',
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)) },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', unusedVars],
      // `cond ? (x = a) : list.push(b)` is a deliberate idiom here; a bare `a && b;` is still an error.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true }],
      // Stripping control characters from stored text is the point of the regexes that use them.
      'no-control-regex': 'off',
      // Async functions without await implement Promise-returning interfaces (Kysely's migration
      // provider, the SQLite side of Statements, drop()); Promise.resolve(...) would only add noise.
      '@typescript-eslint/require-await': 'off',
      // Flags explicit String(x) on untrusted or unknown values, which is deliberate coercion here;
      // the implicit case (`${obj}`) stays caught by restrict-template-expressions.
      '@typescript-eslint/no-base-to-string': 'off',
      // Forwarding an error as it came (a catch clause's `unknown`, a callback's `any`) is right;
      // rejecting with a value of a known non-Error type is still an error.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // Services here are closures (factories returning arrow functions) typed by interfaces in
      // method syntax: taking a member off them (`const { tx, clock } = ctx`) is safe, and the rule
      // cannot tell them from class methods that use `this`.
      '@typescript-eslint/unbound-method': 'off',
      // node:test's describe/it/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    // Kysely's own convention: migrations (and the DDL helpers they share) take Kysely<any>, so
    // that they never depend on the app's current schema type.
    files: ['lib/db/migrations/**/*.ts', 'lib/db/dialect.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests read supertest's `res.body` and JSON.parse'd log lines (both `any`) and assert on them.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript is not in tsconfig.json: lint it without type information.
    files: ['**/*.{js,mjs}'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Browser scripts served as they are (classic <script> tags, no bundler), written in ES5
    // style: catch needs a binding, and a failed localStorage write is ignored on purpose.
    files: ['public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { ...unusedVars, caughtErrors: 'none' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  prettier,
  {
    // After eslint-config-prettier, which turns it off: Prettier wraps code at 120 columns but
    // cannot break a long string or template, so this catches those (split them by hand).
    rules: { 'max-len': ['error', { code: 160, ignoreUrls: true }] },
  },
);
