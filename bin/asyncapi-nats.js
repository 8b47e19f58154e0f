#!/usr/bin/env node
// Entry of the `asyncapi-nats` command: runs the compiled CLI (npm install builds it into dist/).
import { main } from '../dist/generator/cli.js';

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
