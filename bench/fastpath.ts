/**
 * Section 5 (`--only fastpath`): `generate` and `check` when nothing changed since the last run (the
 * fast path of generator/commands/fresh.ts), beside a cold `generate` of the same project in the
 * same run. Each spec gets a project of its own in a temp folder, set up as a user's: a package.json,
 * an `asyncapi-nats.config.ts` naming the spec, `npx asyncapi-nats` run in that folder (here
 * `node bin/asyncapi-nats.js`, dist/ built). A round: the output folder and the fast-path cache are
 * deleted, then a cold `generate` (a full run, which records), then `generate` and `check` again
 * (nothing changed: the fast path). Every run is a new process, timed from spawn to exit. One
 * discarded warm-up round first; medians.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { largeSpec } from './spec300.js';
import { median } from './stats.js';
import { mark, type Section, type Verdict } from './table.js';

interface Project {
  readonly label: string;
  readonly dir: string;
  /** Target for the warm `generate` and `check`, ms. */
  readonly targetMs: number;
  readonly cold: number[];
  readonly warmGenerate: number[];
  readonly warmCheck: number[];
}

/** Runs `node bin args` in `cwd`; resolves its wall time and stdout; rejects on a non-zero exit. */
function timeCli(bin: string, args: readonly string[], cwd: string): Promise<{ ms: number; stdout: string }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const ms = performance.now() - start;
      if (error !== null) reject(new Error(`asyncapi-nats ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve({ ms, stdout });
    });
  });
}

async function makeProject(tmp: string, label: string, specText: string | undefined, specFile: string | undefined) {
  const dir = path.join(tmp, label.replace(/\W+/g, '-'));
  await mkdir(path.join(dir, 'spec'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), '{"name":"bench-project","private":true,"type":"module"}\n');
  const spec = path.join(dir, 'spec', 'api.asyncapi.yaml');
  if (specText !== undefined) await writeFile(spec, specText);
  else if (specFile !== undefined) await copyFile(specFile, spec);
  await writeFile(
    path.join(dir, 'asyncapi-nats.config.ts'),
    "import { defineConfig } from 'asyncapi-nats';\n\nexport default defineConfig({ specs: [{ spec: 'spec/api.asyncapi.yaml', out: 'generated/api' }] });\n",
  );
  return dir;
}

export async function runFastPath(
  root: string,
  config: { readonly runs: number },
  log: (line: string) => void,
): Promise<Section> {
  const bin = path.join(root, 'bin', 'asyncapi-nats.js');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'asyncapi-nats-fastpath-'));
  try {
    const projects: Project[] = [
      {
        label: 'ai-sdk',
        dir: await makeProject(tmp, 'ai-sdk', undefined, path.join(root, 'spec', 'ai-sdk.asyncapi.yaml')),
        targetMs: 300,
        cold: [],
        warmGenerate: [],
        warmCheck: [],
      },
      {
        label: '300 channels',
        dir: await makeProject(tmp, '300 channels', largeSpec(300).text, undefined),
        targetMs: 500,
        cold: [],
        warmGenerate: [],
        warmCheck: [],
      },
    ];
    for (let round = 0; round <= config.runs; round++) {
      for (const p of round % 2 === 0 ? projects : [...projects].reverse()) {
        await rm(path.join(p.dir, 'generated'), { recursive: true, force: true });
        await rm(path.join(p.dir, 'node_modules', '.cache', 'asyncapi-nats'), { recursive: true, force: true });
        const cold = await timeCli(bin, ['generate'], p.dir);
        if (!/^generated \d+ files/.test(cold.stdout)) throw new Error(`${p.label}: not a full run: ${cold.stdout}`);
        const warm = await timeCli(bin, ['generate'], p.dir);
        if (!/up to date \(nothing changed since the last run\)/.test(warm.stdout)) {
          throw new Error(`${p.label}: the second generate did not take the fast path: ${warm.stdout}`);
        }
        const check = await timeCli(bin, ['check', '--format', 'json'], p.dir);
        if (JSON.parse(check.stdout).specs[0]?.fresh !== true) {
          throw new Error(`${p.label}: check did not take the fast path: ${check.stdout}`);
        }
        if (round > 0) {
          p.cold.push(cold.ms);
          p.warmGenerate.push(warm.ms);
          p.warmCheck.push(check.ms);
        }
      }
      if (round > 0) log(`  fast path round ${round}/${config.runs} done`);
    }
    return section(projects, config.runs);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function ms(value: number): string {
  return value >= 1_000 ? `${(value / 1_000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function section(projects: readonly Project[], runs: number): Section {
  const verdicts: Verdict[] = [];
  const cells = (pick: (p: Project) => string): string[] => projects.map(pick);
  const targetCell = (kind: string, values: (p: Project) => number[]): string =>
    projects
      .map((p) => {
        const figure = median(values(p));
        const pass = figure < p.targetMs;
        verdicts.push({ target: `${kind} ${p.label}, nothing changed, < ${ms(p.targetMs)}`, figure: ms(figure), pass });
        return `< ${ms(p.targetMs)}: ${mark(pass)}`;
      })
      .join('; ');
  return {
    title: '5. Nothing changed: the fast path',
    method:
      'A project per spec in a temp folder (package.json, `asyncapi-nats.config.ts` naming the spec, output ' +
      '`generated/api`), `node bin/asyncapi-nats.js <command>` run in it without arguments, as `npx asyncapi-nats ' +
      '<command>` runs there, one new process per run, timed from spawn to exit. Each round deletes the output and ' +
      'the cache (`node_modules/.cache/asyncapi-nats`), runs a cold `generate` (a full run, which records its ' +
      'inputs and output), then `generate` and `check` again with nothing changed. ' +
      `Median of ${runs} rounds after a discarded warm-up; the 300-channel spec is bench/spec300.ts's.`,
    columns: ['measurement', ...projects.map((p) => p.label), 'target'],
    rows: [
      ['`generate`, cold (full run), wall', ...cells((p) => ms(median(p.cold))), '—'],
      [
        '`generate`, nothing changed (fast path), wall',
        ...cells((p) => ms(median(p.warmGenerate))),
        targetCell('generate', (p) => p.warmGenerate),
      ],
      [
        '`check`, nothing changed (fast path), wall',
        ...cells((p) => ms(median(p.warmCheck))),
        targetCell('check', (p) => p.warmCheck),
      ],
      ['fast path ÷ cold generate', ...cells((p) => `${(median(p.warmGenerate) / median(p.cold)).toFixed(2)}×`), '—'],
    ],
    notes: [
      'cold: a full run in a process that starts cold: the config (jiti), the AsyncAPI parser on a worker thread, ts-morph, the docs renderer, writing.',
      'nothing changed: the config is loaded, then the spec, every file it $refs, the docs templates and every output file are hashed and compared with the record of the last run; nothing is parsed, the parser and ts-morph are not even imported, nothing is written.',
      'A hand-edited or deleted output file, or any change to an input, makes the next run a full run (tested in test/cli/fast-path.test.ts).',
    ],
    verdicts,
  };
}
