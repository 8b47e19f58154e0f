import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the CPUs: a single, serial worker on a 2-CPU CI machine.
    // Most test time is waiting on nats-server, timers and child processes, not CPU, so two files at
    // once on 2 CPUs (measured: ~315 s instead of ~475 s serial) and one worker per spare CPU above.
    // `--maxWorkers=N` on the command line overrides it.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: ['default', './test/harness/summary-reporter.ts'],
  },
});
