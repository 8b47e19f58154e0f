/**
 * `npm run bench`: starts its own nats-server on a free loopback port, runs the benchmark sections,
 * prints one table per section and writes BENCHMARKS.md.
 *
 *   tsx --expose-gc bench/run.ts [--quick] [--only core,scenarios,generator,docs,fastpath,stream] [--rounds N]
 *                                [--no-build] [--no-write]
 *
 * `--quick` runs fewer rounds and smaller blocks (a smoke test; figures are noisier). `--only` runs
 * some sections (BENCHMARKS.md is then not written). `--expose-gc` lets the bench collect garbage
 * between blocks, so one block's garbage is not collected during the next one.
 *
 * Everything measured runs the built package, as its users do: `npm run build` comes first (skipped by
 * `--no-build`, which then needs an existing dist/), and the sections are loaded after it, so the
 * generated code's `asyncapi-nats/runtime` resolves to dist/runtime and the generator section times
 * bin/asyncapi-nats.js on dist/. Not the TypeScript sources through tsx: tsx keeps function names by
 * wrapping every closure it creates at run time, which cost the runtime 5-8 % more CPU per durable
 * message than its tsc output (measured).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../test/harness/servers.js';
import { renderMarkdown, renderText, type Section } from './table.js';

const SECTIONS = ['core', 'scenarios', 'generator', 'docs', 'fastpath', 'stream'] as const;
type SectionName = (typeof SECTIONS)[number];

const root = path.resolve(import.meta.dirname, '..');

function parse(): {
  quick: boolean;
  only: readonly SectionName[];
  rounds: number | undefined;
  build: boolean;
  write: boolean;
} {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      rounds: { type: 'string' },
      'no-build': { type: 'boolean' },
      'no-write': { type: 'boolean' },
    },
  });
  const only = (values.only?.split(',') ?? SECTIONS).map((s) => s.trim());
  for (const name of only) {
    if (!(SECTIONS as readonly string[]).includes(name)) {
      throw new Error(`unknown section '${name}' (known: ${SECTIONS.join(', ')})`);
    }
  }
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1)) {
    throw new Error(`--rounds wants an integer ≥ 1, got '${values.rounds}'`);
  }
  return {
    quick: values.quick === true,
    only: only as SectionName[],
    rounds,
    build: values['no-build'] !== true,
    write: values['no-write'] !== true && values.only === undefined,
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function version(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const options = parse();
  const started = Date.now();
  const commandLine = ['npm run bench --', ...process.argv.slice(2)].join(' ').replace(/ --$/, '');
  const rounds = options.rounds ?? (options.quick ? 3 : 5);
  const sections: Section[] = [];
  const notes: string[] = [];
  const loadBefore = os.loadavg()[0] ?? 0;
  const nats = version('nats-server', ['--version']);
  log(`bench: ${os.cpus().length} cores, Node ${process.version}, ${nats}`);

  if (options.build) {
    log('bench: npm run build');
    try {
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    } catch {
      // tsc still emits on type errors; what matters is that dist/ exists (checked below).
      log('bench: npm run build reported errors; timing the dist/ it left');
      notes.push('`npm run build` reported errors; the bench timed the dist/ that was there.');
    }
  }
  if (!existsSync(path.join(root, 'dist', 'runtime', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (or drop --no-build)');
  }
  // Loaded now, after the build: they import the built runtime.
  const { runCore } = await import('./core.js');
  const { runScenarios } = await import('./scenarios.js');
  const { runDocs, runGenerator } = await import('./generator.js');

  const wantsServer = ['core', 'scenarios', 'stream'].some((s) => options.only.includes(s as SectionName));
  const server = wantsServer ? await startServer({ jetstream: true }) : undefined;
  if (server !== undefined) log(`bench: nats-server pid ${server.pid} on ${server.url}`);
  try {
    if (server !== undefined && options.only.includes('core')) {
      log('bench: section 1, generated code vs the raw client');
      sections.push(
        await runCore(
          server.url,
          {
            rounds,
            messages: options.quick ? 20_000 : 50_000,
            samples: options.quick ? 500 : 2_000,
            requests: options.quick ? 5_000 : 20_000,
            inFlight: 100,
          },
          log,
        ),
      );
    }
    if (server !== undefined && options.only.includes('scenarios')) {
      log('bench: section 2, the guide’s scenarios');
      sections.push(
        await runScenarios(
          server,
          {
            rounds,
            samples: options.quick ? 300 : 1_000,
            coreMessages: options.quick ? 20_000 : 50_000,
            durableMessages: options.quick ? 5_000 : 20_000,
          },
          log,
        ),
      );
    }
    if (server !== undefined && options.only.includes('stream')) {
      log('bench: section 6, streaming replies beside a hand-written stream');
      const { runStream } = await import('./stream.js');
      sections.push(
        await runStream(
          server.url,
          {
            rounds,
            samples: options.quick ? 100 : 300,
            chunks: options.quick ? 5_000 : 20_000,
            openStreams: 1_000,
          },
          log,
        ),
      );
    }
  } finally {
    // Stopped by its own PID (SIGTERM, then SIGKILL), and its temp dir removed.
    await server?.dispose();
  }
  if (options.only.includes('generator') || options.only.includes('docs')) {
    const runs = options.rounds ?? (options.quick ? 3 : 5);
    const generator = await runGenerator(root, { runs }, log);
    if (options.only.includes('generator')) sections.push(generator.section);
    if (options.only.includes('docs')) sections.push(runDocs(generator));
  }
  if (options.only.includes('fastpath')) {
    log('bench: section 5, nothing changed (the fast path) beside a cold generate');
    const { runFastPath } = await import('./fastpath.js');
    sections.push(await runFastPath(root, { runs: options.rounds ?? (options.quick ? 3 : 5) }, log));
  }

  for (const section of sections) process.stdout.write(`\n${renderText(section)}\n`);
  const verdicts = sections.flatMap((s) => s.verdicts);
  const missed = verdicts.filter((v) => !v.pass);
  process.stdout.write(
    `\ntargets: ${verdicts.length - missed.length} of ${verdicts.length} met` +
      (missed.length > 0 ? `; missed: ${missed.map((v) => `${v.target} (${v.figure})`).join('; ')}` : '') +
      `\nbench took ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  if (options.write) {
    const file = path.join(root, 'BENCHMARKS.md');
    await writeFile(
      file,
      benchmarksMarkdown(sections, {
        command: commandLine,
        nats,
        rounds,
        seconds: Math.round((Date.now() - started) / 1000),
        load: [loadBefore, os.loadavg()[0] ?? 0],
        commit: gitState(),
        otel: await installed('@opentelemetry/api'),
        notes,
      }),
    );
    log(`bench: wrote ${path.relative(process.cwd(), file)}`);
  }
}

/** Whether a package can be imported from here. */
async function installed(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

/** The commit measured, and whether the working tree had changes on top of it. */
function gitState(): string {
  const commit = version('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  if (commit === 'unknown') return 'unknown (not a git checkout)';
  const dirty = version('git', ['-C', root, 'status', '--porcelain']) !== '';
  return dirty ? `${commit} with uncommitted changes` : commit;
}

function benchmarksMarkdown(
  sections: readonly Section[],
  run: {
    command: string;
    nats: string;
    rounds: number;
    seconds: number;
    load: readonly [number, number];
    commit: string;
    otel: boolean;
    notes: readonly string[];
  },
): string {
  const cpus = os.cpus();
  const verdicts = sections.flatMap((s) => s.verdicts);
  const date = new Date().toISOString().slice(0, 10);
  return `${[
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); rerun it to refresh every figure. Do not edit by hand.',
    '',
    `- Command: \`${run.command}\` (took ${run.seconds} s)`,
    `- Date: ${date}`,
    `- Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; ${run.nats} (spawned by the bench on a free 127.0.0.1 port, JetStream on, file storage in a temp dir)`,
    `- Code: ${run.commit}; \`@opentelemetry/api\` ${run.otel ? 'installed' : 'not installed'} (the runtime's telemetry hooks look for it)`,
    '- Runs the built package, as users do: the runtime is dist/runtime (tsc output), the generator is bin/asyncapi-nats.js on dist/; the bench script, the hand-written variants and generated/ai-sdk are TypeScript run by tsx',
    `- Load average (1 min) at start / end: ${run.load[0].toFixed(2)} / ${run.load[1].toFixed(2)} (the machine is shared; figures on a busy machine are lower and noisier)`,
    `- Figures are medians over ${run.rounds} runs (each section says how they were run).`,
    ...run.notes.map((note) => `- ${note}`),
    '',
    '## Targets',
    '',
    '| target | figure | result |',
    '| --- | --- | --- |',
    ...verdicts.map((v) => `| ${v.target} | ${v.figure} | ${v.pass ? 'PASS' : 'MISS'} |`),
    '',
    ...sections.flatMap((s) => [renderMarkdown(s), '']),
  ].join('\n')}`;
}

await main();
