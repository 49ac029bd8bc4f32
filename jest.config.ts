import type { Config } from 'jest';

// NestJS 12 ships ESM only, and so do @apidevtools/json-schema-ref-parser (under swagger-parser) and
// content-disposition (under @fastify/static); Jest runs CommonJS, so @swc/jest also compiles them.
const ESM_PACKAGES = ['@nestjs', '@apidevtools', 'content-disposition'];

const shared = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  moduleNameMapper: {
    '^@app/(config|contracts|messaging|persistence|platform|testing)$': '<rootDir>/libs/$1/src',
    '^@app/platform/http$': '<rootDir>/libs/platform/src/http',
    // Test-only entry points, so the e2e tests can run both apps in-process.
    '^@apps/(consumer|producer)$': '<rootDir>/apps/$1/src/$1.app',
  },
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
} satisfies Config;

const config: Config = {
  // Real brokers, child processes and a first build: the default 5 s is too tight on 2 cores.
  testTimeout: 30_000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/apps/*/src/**/*.spec.ts',
        '<rootDir>/libs/*/src/**/*.spec.ts',
        '<rootDir>/scripts/**/*.spec.ts',
      ],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: [
        '<rootDir>/apps/*/test/**/*.e2e-spec.ts',
        '<rootDir>/libs/*/test/**/*.e2e-spec.ts',
      ],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/e2e-setup.ts'],
      slowTestThreshold: 30,
    },
  ],
};

export default config;
