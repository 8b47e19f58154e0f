/**
 * Runs the CLI from source (no build step): `npx tsx scripts/dev-cli.ts generate <spec>`.
 * Tests use it too, so they exercise the code as it is in the tree.
 */
import { main } from '../generator/cli.js';

process.exitCode = await main(process.argv.slice(2));
