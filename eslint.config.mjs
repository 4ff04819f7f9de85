import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          // External packages are pinned once, in the root package.json (single version policy).
          banTransitiveDependencies: false,
          depConstraints: [
            // contracts and dsl are the language and the catalogue: no framework, no I/O.
            {
              sourceTag: 'scope:pure',
              onlyDependOnLibsWithTags: ['scope:pure'],
              bannedExternalImports: ['@nestjs/*', 'typeorm', 'pg', '@nats-io/*', '@opentelemetry/*', 'express'],
            },
            { sourceTag: 'scope:node', onlyDependOnLibsWithTags: ['scope:pure', 'scope:node'] },
            { sourceTag: 'scope:nest', onlyDependOnLibsWithTags: ['scope:pure', 'scope:node', 'scope:nest'] },
            // Services talk over NATS, never by import.
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:host', onlyDependOnLibsWithTags: ['type:lib', 'type:service'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['bench/**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
