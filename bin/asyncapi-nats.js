#!/usr/bin/env node
// Entry of the `asyncapi-nats` command: runs the compiled CLI (npm install builds it into dist/).
import { cacheCompiledCode } from '../dist/generator/compile-cache.js';

// Before the CLI loads (so not a static import of it): on Node >= 22.1 its modules compile from cache.
cacheCompiledCode();
const { main } = await import('../dist/generator/cli.js');

// Output piped into a program that stops reading (`| head`) ends the command quietly, as other CLIs do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // Only a bug in asyncapi-nats gets here: user errors are diagnostics with exit code 2.
    console.error('asyncapi-nats: internal error (please report it):', error);
    process.exitCode = 70;
  },
);
