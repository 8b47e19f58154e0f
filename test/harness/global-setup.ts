/** vitest globalSetup: one NATS server for the whole run, its URL provided as `natsUrl`. */
// The augmentation below needs 'vitest' in the program; this file otherwise only uses 'vitest/node'.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startNats } from './nats.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the run's NATS server; read it in tests with `inject('natsUrl')`. */
    natsUrl: string;
  }
}

/** Starts the server, provides its URL, and returns the teardown that stops it. */
export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const server = await startNats();
  provide('natsUrl', server.url);
  return () => server.stop();
}
