// @ts-check
// One type-aware lint for every package, sources and tests alike. The base is typescript-eslint's
// strictTypeChecked; the rules the code already follows are named again below so that loosening the
// base never silently drops them. Why typescript-eslint and not Biome: docs/decisions.md.
import eslint from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/dist/', '**/node_modules/', '**/*.tsbuildinfo', 'packages/db/migrations/', 'packages/mcpd/ui/']),
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // tsconfig.json files build src only; this one adds the tests so they are linted with types.
        project: './tsconfig.lint.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The rules the code already follows: errors, whatever the base does.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // A `default` branch is an explicit decision about the other members; a switch without one must name them all.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],

      // Strict rules tuned or turned off because they fight the house style rather than catch bugs.
      // Numbers print as they should in messages; null, undefined and objects in a template are still errors.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowAny: false, allowBoolean: false, allowNullish: false, allowRegExp: false, allowNever: false }],
      // `return reply(…)` ends a handler early and `() => resolve()` is shorthand; returning void there is harmless.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // `list[index]!` after a bounds check is how the code answers noUncheckedIndexedAccess; a runtime check there is dead code.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // An `async` function without `await` is how a Fastify handler or a Promise-returning interface is met; the promise rules catch misuse.
      '@typescript-eslint/require-await': 'off',
      // TypeScript keeps a narrowing across the calls and awaits that change the value (`if (signal.aborted)` after an await, a
      // flag a callback sets, `server?.close()` after a beforeAll that threw), so most of its reports here are wrong.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // An aborted signal's reason (any) is what Node itself rejects with; rejecting with it keeps the caller's error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    // The servers' request paths: an object literal with a getter is a dictionary-mode object V8 keeps out of
    // reach of young collections, with all its closure holds (about 3 KB a request; docs/decisions.md,
    // "Per-request objects and the young generation"). A class costs nothing of the kind.
    files: ['packages/mcpd/src/**', 'packages/mcplocal/src/**', 'packages/upstream/src/**', 'packages/dialects/src/**', 'packages/protocol/src/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ObjectExpression > Property[kind='get'], ObjectExpression > Property[kind='set']",
          message: 'An object literal with an accessor becomes a slow object that young collections do not free: use a class.',
        },
      ],
    },
  },
  {
    files: ['packages/*/test/**'],
    rules: {
      // vitest's asymmetric matchers (expect.any, expect.stringContaining) are typed any by design.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // The dashboard runs in a browser: its own tsconfig (DOM, Preact's JSX) gives the types.
    files: ['packages/web/**'],
    languageOptions: {
      parserOptions: { project: './packages/web/tsconfig.json', tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.browser },
    },
  },
  {
    // The committed bin launchers and a child script for a test: plain JavaScript, run by Node.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
);
