/** Runs the CLI in-process with captured output (the commands take their folder as an argument). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../generator/cli.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `asyncapi-nats <args>` run in `cwd`; stdout and stderr as the terminal would show them. */
export async function runCli(args: readonly string[], cwd: string = process.cwd()): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(`${l}\n`), err: (l) => err.push(`${l}\n`) }, path.resolve(cwd));
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** The repo root: where `spec/` and `generated/` are. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
