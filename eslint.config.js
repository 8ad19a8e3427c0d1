// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * Determinism: code in reference-impl/ and simulators/ must take time, randomness and timers from
 * the runtime ports (Clock, Random) so a seed replays a run exactly. Adapters that are meant to
 * touch the real world live in runtime/ or an adapters/ folder, which this rule exempts.
 */
const nondeterminism = 'is nondeterministic here: take it from the runtime ports (Clock / Random) instead';

export const determinismRules = {
  'no-restricted-properties': [
    'error',
    { object: 'Date', property: 'now', message: `Date.now() ${nondeterminism}` },
    { object: 'Math', property: 'random', message: `Math.random() ${nondeterminism}` },
    { object: 'crypto', property: 'randomUUID', message: `crypto.randomUUID() ${nondeterminism}` },
    { object: 'crypto', property: 'getRandomValues', message: `crypto.getRandomValues() ${nondeterminism}` },
    { object: 'performance', property: 'now', message: `performance.now() ${nondeterminism}` },
    { object: 'process', property: 'hrtime', message: `process.hrtime() ${nondeterminism}` },
    { object: 'globalThis', property: 'setTimeout', message: `setTimeout ${nondeterminism}` },
    { object: 'globalThis', property: 'setInterval', message: `setInterval ${nondeterminism}` },
    { object: 'globalThis', property: 'setImmediate', message: `setImmediate ${nondeterminism}` },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: `setTimeout ${nondeterminism}` },
    { name: 'setInterval', message: `setInterval ${nondeterminism}` },
    { name: 'setImmediate', message: `setImmediate ${nondeterminism}` },
    { name: 'fetch', message: 'fetch performs I/O: call other systems through the Transport port' },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: `new Date() without arguments ${nondeterminism}` },
    { selector: "CallExpression[callee.name='Date'][arguments.length=0]", message: `Date() ${nondeterminism}` },
  ],
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'node:timers', message: `timers ${nondeterminism}` },
        { name: 'node:timers/promises', message: `timers ${nondeterminism}` },
        { name: 'timers', message: `timers ${nondeterminism}` },
        { name: 'timers/promises', message: `timers ${nondeterminism}` },
        { name: 'node:crypto', importNames: ['randomUUID', 'randomInt', 'randomBytes'], message: `crypto randomness ${nondeterminism}` },
        { name: 'better-sqlite3', message: 'database drivers belong in an adapters/ folder behind the Store port' },
        { name: 'pg', message: 'database drivers belong in an adapters/ folder behind the Store port' },
        { name: 'undici', message: 'HTTP clients belong in runtime/ adapters behind the Transport port' },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/out/**', 'contracts/generated/**', '.tmp/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['reference-impl/**/*.ts', 'simulators/**/*.ts'],
    ignores: ['**/adapters/**'],
    rules: determinismRules,
  },
);
