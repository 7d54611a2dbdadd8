// Jest runs the TypeScript sources directly through ts-jest; every test lives under test/.
/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 20000,
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // cockatiel ships as ES modules only: compiled to CommonJS for Jest (Node itself requires it as it is).
    '/node_modules/cockatiel/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' }, isolatedModules: true }],
  },
  transformIgnorePatterns: ['/node_modules/(?!cockatiel/)'],
};
