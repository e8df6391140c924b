/** @type {import('jest').Config} */
module.exports = {
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/test/**/*.test.tsx'],
  transform: {
    // Type checking is `npm run typecheck`; with `isolatedModules` in tsconfig.json ts-jest only transpiles,
    // which keeps the suite fast.
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  // onnxruntime-node's typed arrays must be the test realm's (see the environment's comment).
  testEnvironment: '<rootDir>/test/environments/ort-node-environment.ts',
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};
