// ESLint flat config shared by every package (ESLint finds it by walking up from the package).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of ARCHITECTURE.md, bottom up. A package may import only packages below it, by their
 * public or internal entry points (`@multiproc/x`, `@multiproc/x/internal`), never another
 * package's `src/` or `dist/`. Packages being built on other branches keep their place here.
 */
const layers = [
  'native',
  'serialize',
  'process',
  'connection',
  'shared-memory',
  'synchronize',
  'sharedctypes',
  'queues',
  'managers',
  'pool',
  'bullmq',
  'multiproc',
];
const packageName = (layer) => (layer === 'multiproc' ? 'multiproc' : `@multiproc/${layer}`);
const internals = {
  group: ['@multiproc/*/src', '@multiproc/*/src/**', '@multiproc/*/dist', '@multiproc/*/dist/**'],
  message: "import a package by its entry point ('@multiproc/x' or '@multiproc/x/internal')",
};
const layering = layers.map((layer, index) => ({
  files: [`packages/${layer}/src/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          internals,
          {
            group: ['**/packages/*/src/**', '../../*/src/**', '../../*/dist/**'],
            message: "import a package by its entry point, not another package's files",
          },
          ...(index + 1 < layers.length
            ? [
                {
                  group: layers
                    .slice(index + 1)
                    .flatMap((higher) => [packageName(higher), `${packageName(higher)}/*`]),
                  message: `${packageName(layer)} may import only packages below it (ARCHITECTURE.md, "Layers")`,
                },
              ]
            : []),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/build/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/.turbo/**',
      'bench/out/**',
      'docs/.vitepress/cache/**',
      // tsup writes this beside tsup.config.ts while a build runs; turbo may lint the package
      // at the same moment (lint waits for the dependencies' builds, not the package's own).
      '**/tsup.config.bundled_*',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // `typeof import('node:x')` types the modules we require lazily to keep start-up fast.
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      // Values from the wire are `unknown` and narrowed explicitly; `any` may not leak (the
      // exceptions below each say why).
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        SharedArrayBuffer: 'readonly',
        Atomics: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        globalThis: 'readonly',
      },
    },
  },
  {
    // msgpackr ships its types for `msgpackr`, not for the `msgpackr/unpack` entry the decoder
    // imports (the half a child loads), so its Unpackr is unresolved here; `Function`-typed
    // exports are called after a `typeof … === 'function'` check.
    files: [
      'packages/serialize/src/decode.ts',
      'packages/serialize/src/locate.ts',
      'packages/serialize/src/resolve.ts',
    ],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    // A Proxy trap returns whatever the element is: the element type is the caller's to know.
    files: ['packages/sharedctypes/src/array.ts'],
    rules: { '@typescript-eslint/no-unsafe-return': 'off' },
  },
  {
    // Jest's asymmetric matchers (`expect.objectContaining`) are typed `any`.
    files: ['packages/*/test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-argument': 'off' },
  },
  {
    // Callbacks evaluated in the browser page: the DOM's types are not in this project's `lib`.
    files: ['docs/test/browser.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  ...layering,
);
