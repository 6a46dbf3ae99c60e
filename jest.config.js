/** Jest runs every *.test.ts under ts-blocks/test. Type checking is done once by `npm run typecheck`,
 * so ts-jest only transpiles (isolatedModules in ts-blocks/test/tsconfig.json) and the suite stays fast. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/ts-blocks/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/ts-blocks/test/tsconfig.json' }],
  },
  globalSetup: '<rootDir>/ts-blocks/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/ts-blocks/test/helpers/global-teardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
