import { defineConfig } from 'vitest/config';

// Integration tests start real processes and servers: give them room, and run files in
// forks so a test that kills a process group cannot take the runner with it.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    reporters: ['default'],
  },
});
