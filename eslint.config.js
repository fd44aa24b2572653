import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

/**
 * Lint with type information (every TypeScript and Vue file belongs to a tsconfig reachable from
 * the root solution config, or desktop/tsconfig.json for the renderer). The type-aware rules chosen
 * are the promise rules: a forgotten promise in trading code loses an error or crashes the process.
 */
export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/out/**', '**/node_modules/**', 'bench/results/**', 'test/e2e/screenshots/**', 'release/**', 'desktop/native/**', 'docs/api-reference/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/essential'],
  {
    languageOptions: {
      globals: { ...globals.node },
      ecmaVersion: 2023,
      sourceType: 'module',
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.vue'],
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      'no-console': 'off',
    },
  },
  {
    // Product code may not discard a promise with `void` either: a rejection must be handled
    // (logged, reported) where it happens, or Node's unhandled-rejection handling ends the process.
    files: ['sdk/src/**/*.ts', 'desktop/src/host/**/*.ts', 'desktop/src/server/**/*.ts', 'desktop/src/cli/**/*.ts', 'desktop/src/main/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }] },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    // Single-word names are banned to avoid clashing with HTML elements; there is no <spotlight>.
    rules: { 'vue/multi-word-component-names': ['error', { ignores: ['Spotlight'] }] },
  },
  {
    files: ['desktop/src/renderer/**/*.{ts,vue}', 'bench/ui/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
