import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

/** `@baton/<name>` resolves to a lib's or service's sources, so unit tests need no build. */
const workspaceSources = {
  name: 'baton-workspace-sources',
  enforce: 'pre' as const,
  resolveId(id: string) {
    const match = /^@baton\/([a-z-]+)$/.exec(id);
    if (!match) return null;
    for (const folder of ['libs', 'services']) {
      const entry = resolve(root, folder, match[1], 'src/index.ts');
      if (existsSync(entry)) return entry;
    }
    return null;
  },
};

const decorators = swc.vite({
  // .swcrc excludes specs from builds; tests need them compiled.
  swcrc: false,
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
});

export default defineConfig({
  plugins: [workspaceSources, decorators],
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['{libs,services}/*/src/**/*.spec.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
