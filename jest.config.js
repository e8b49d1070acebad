/**
 * Test levels by suffix (STYLE.md): *.unit.spec.ts (pure), *.int.spec.ts (real
 * SQLite / Redis / gRPC), *.e2e.spec.ts (HTTP through the Nest app, workers).
 * Select one with `--selectProjects unit|int|e2e`.
 */
const moduleNameMapper = {
  '^@app/event-store$': '<rootDir>/libs/event-store/src',
  '^@app/event-store/(.*)$': '<rootDir>/libs/event-store/src/$1',
  '^@app/engine$': '<rootDir>/libs/engine/src',
  '^@app/engine/(.*)$': '<rootDir>/libs/engine/src/$1',
  '^@app/runtime$': '<rootDir>/libs/runtime/src',
  '^@app/runtime/(.*)$': '<rootDir>/libs/runtime/src/$1',
  '^@app/auth$': '<rootDir>/libs/auth/src',
  '^@app/auth/(.*)$': '<rootDir>/libs/auth/src/$1',
  '^@app/projections$': '<rootDir>/libs/projections/src',
  '^@app/projections/(.*)$': '<rootDir>/libs/projections/src/$1',
  '^@app/workflows$': '<rootDir>/workflows',
  '^@app/workflows/(.*)$': '<rootDir>/workflows/$1',
};
const base = {
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testEnvironment: 'node',
  moduleNameMapper,
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/workflows', '<rootDir>/test'],
};
module.exports = {
  // Integration and end-to-end tests start real stores, Redis queues and worker processes.
  testTimeout: 120000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.unit.spec.ts'] },
    { ...base, displayName: 'int', testMatch: ['**/*.int.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['**/*.e2e.spec.ts'] },
  ],
};
