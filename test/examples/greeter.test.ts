/**
 * The README's five-minute program (examples/greeter/main.ts, on the code generated from the starter
 * spec `init` writes) runs as a user runs it: a child process against a real nats-server, exiting 0
 * with the worker's greeting and the event's line. `npm run typecheck` compiles it with the project.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, inject, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

test('examples - the README program greets Ada through the generated client and server and exits 0', async () => {
  const { stdout, stderr } = await promisify(execFile)(TSX, ['--conditions=source', 'examples/greeter/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, NATS_URL: inject('natsUrl') },
    timeout: 30_000,
  });
  expect(stderr).toBe('');
  expect(stdout).toMatch(/^Hello, Ada of acme!\nAda was greeted at \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
});
