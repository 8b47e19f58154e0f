/**
 * Sections 3 and 4: how fast `generate` and `docs` are from a cold start, on the ai-sdk spec and on a
 * 300-channel spec made here, and how much of it is the AsyncAPI parser.
 *
 * Cold start means a fresh process per run: `node bin/asyncapi-nats.js generate <spec> --out <new
 * temp dir>` from the repository root (dist/ must be built), timed from spawn to exit, its peak
 * resident memory from `/usr/bin/time`. Beside it, two children of bench/generate-child.ts run as
 * plain JavaScript: one times each phase of the same generation in process (boot, imports, parse,
 * model, emit, docs, write), the other only imports @asyncapi/parser and parses the spec once: the
 * baseline the generator cannot go below. One discarded warm-up of each first (the OS file cache);
 * then `runs` rounds of all of them in rotated order; medians.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ts } from 'ts-morph';
import type { ParserReport, PhasesReport } from './generate-child.js';
import { largeSpec } from './spec300.js';
import { formatBytes, median, rotate } from './stats.js';
import { mark, type Section, type Verdict } from './table.js';

export interface GeneratorConfig {
  /** Measured runs of each child per spec (after one warm-up). */
  readonly runs: number;
}

interface Spec {
  readonly label: string;
  readonly file: string;
  /** Cold `generate` wall-time target, ms. */
  readonly targetMs: number;
}

interface ColdRun {
  readonly wallMs: number;
  /** Peak RSS in KB; undefined without /usr/bin/time. */
  readonly maxRssKb: number | undefined;
}

interface SpecResults {
  readonly spec: Spec;
  readonly generate: ColdRun[];
  readonly docs: ColdRun[];
  readonly parser: ColdRun[];
  readonly parserReports: ParserReport[];
  readonly phases: PhasesReport[];
}

/** What section 3 measured; section 4 reads the docs figures from it. */
export interface GeneratorResults {
  readonly section: Section;
  readonly results: readonly SpecResults[];
  readonly runs: number;
  readonly large: { readonly channels: number; readonly replyChannels: number; readonly operations: number };
}

const TIME = '/usr/bin/time';
const CHILD_DIR = ['node_modules', '.cache', 'asyncapi-nats-bench'];

/**
 * Transpiles bench/generate-child.ts to plain JavaScript (with the TypeScript compiler ts-morph
 * bundles) next to node_modules, where its bare imports resolve like the CLI's.
 */
async function prepareChild(root: string): Promise<string> {
  const source = await readFile(path.join(root, 'bench', 'generate-child.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const dir = path.join(root, ...CHILD_DIR);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'generate-child.mjs');
  await writeFile(file, outputText);
  return file;
}

/** Runs `node args` in `cwd`; resolves its wall time, peak RSS and stdout. Rejects on a non-zero exit. */
function runNode(args: readonly string[], cwd: string): Promise<ColdRun & { stdout: string }> {
  const useTime = existsSync(TIME);
  const [command, commandArgs] = useTime
    ? [TIME, ['-f', 'maxrss %M', process.execPath, ...args]]
    : [process.execPath, [...args]];
  const start = performance.now();
  return new Promise((resolve, reject) => {
    execFile(command, commandArgs, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const wallMs = performance.now() - start;
      if (error !== null) {
        reject(new Error(`node ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        return;
      }
      const rss = /maxrss (\d+)/.exec(stderr)?.[1];
      resolve({ wallMs, maxRssKb: rss === undefined ? undefined : Number(rss), stdout });
    });
  });
}

export async function runGenerator(
  root: string,
  config: GeneratorConfig,
  log: (line: string) => void,
): Promise<GeneratorResults> {
  const child = await prepareChild(root);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'asyncapi-nats-bench-'));
  try {
    const large = largeSpec(300);
    const largeFile = path.join(tmp, 'bench-300.asyncapi.yaml');
    await writeFile(largeFile, large.text);
    const specs: Spec[] = [
      { label: 'ai-sdk', file: path.join(root, 'spec', 'ai-sdk.asyncapi.yaml'), targetMs: 1_500 },
      { label: '300 channels', file: largeFile, targetMs: 5_000 },
    ];
    const results = specs.map(
      (spec): SpecResults => ({ spec, generate: [], docs: [], parser: [], parserReports: [], phases: [] }),
    );
    let outs = 0;
    const out = (): string => path.join(tmp, `out-${++outs}`);
    const bin = path.join(root, 'bin', 'asyncapi-nats.js');
    const kinds = ['generate', 'phases', 'parser', 'docs'] as const;
    for (let round = 0; round <= config.runs; round++) {
      for (const r of rotate(results, round)) {
        for (const kind of rotate(kinds, round)) {
          const spec = r.spec.file;
          switch (kind) {
            case 'generate': {
              const run = await runNode([bin, 'generate', spec, '--out', out()], root);
              if (round > 0) r.generate.push(run);
              break;
            }
            case 'docs': {
              const run = await runNode([bin, 'docs', spec, '--out', out()], root);
              if (round > 0) r.docs.push(run);
              break;
            }
            case 'phases': {
              const run = await runNode([child, 'phases', root, spec, out()], root);
              if (round > 0) r.phases.push(JSON.parse(run.stdout) as PhasesReport);
              break;
            }
            case 'parser': {
              const run = await runNode([child, 'parser', spec], root);
              const report = JSON.parse(run.stdout) as ParserReport;
              if (report.errors > 0) throw new Error(`${r.spec.label}: the parser reports ${report.errors} errors`);
              if (round > 0) {
                r.parser.push(run);
                r.parserReports.push(report);
              }
              break;
            }
          }
        }
      }
      if (round > 0) log(`  generator round ${round}/${config.runs} done`);
      // Outputs are only needed while they are written.
      await rm(tmp, { recursive: true, force: true }).then(() => mkdir(tmp, { recursive: true }));
      await writeFile(largeFile, large.text);
    }
    return {
      section: generatorSection(results, config.runs, large),
      results,
      runs: config.runs,
      large: { channels: large.channels, replyChannels: large.replyChannels, operations: large.operations },
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function ms(value: number): string {
  return value >= 1_000 ? `${(value / 1_000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

function mb(kb: number | undefined): string {
  return kb === undefined ? 'n/a' : `${Math.round(kb / 1024)} MB`;
}

function medianOf<T>(items: readonly T[], pick: (item: T) => number | undefined): number | undefined {
  const values = items.map(pick).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : median(values);
}

function generatorSection(
  results: readonly SpecResults[],
  runs: number,
  large: { channels: number; replyChannels: number; operations: number },
): Section {
  const verdicts: Verdict[] = [];
  const rows: string[][] = [];
  const cells = (pick: (r: SpecResults) => string): string[] => results.map(pick);
  const phase = (r: SpecResults, key: keyof PhasesReport): number =>
    medianOf(r.phases, (p) => p[key] as number) ?? Number.NaN;
  const share = (r: SpecResults, value: number): string =>
    `${ms(value)} (${Math.round((100 * value) / phase(r, 'total'))} %)`;

  const wall = (r: SpecResults): number => medianOf(r.generate, (g) => g.wallMs) ?? Number.NaN;
  const parserWall = (r: SpecResults): number => medianOf(r.parser, (g) => g.wallMs) ?? Number.NaN;
  const targetCells = results.map((r) => {
    const pass = wall(r) < r.spec.targetMs;
    verdicts.push({ target: `generate ${r.spec.label}, cold, < ${ms(r.spec.targetMs)}`, figure: ms(wall(r)), pass });
    return `< ${ms(r.spec.targetMs)}: ${mark(pass)}`;
  });
  rows.push(['`generate`, cold CLI process, wall', ...cells((r) => ms(wall(r))), targetCells.join('; ')]);
  rows.push([
    'baseline: AsyncAPI parser alone, cold process (boot + import + parse)',
    ...cells((r) => ms(parserWall(r))),
    '—',
  ]);
  rows.push(['generate ÷ parser alone', ...cells((r) => `${(wall(r) / parserWall(r)).toFixed(2)}×`), '—']);
  rows.push([
    'peak RSS: generate / parser alone',
    ...cells((r) => `${mb(medianOf(r.generate, (g) => g.maxRssKb))} / ${mb(medianOf(r.parser, (g) => g.maxRssKb))}`),
    '—',
  ]);
  rows.push(['split (in-process child, % of its total):', '', '', '']);
  rows.push(['  Node boot', ...cells((r) => share(r, phase(r, 'boot'))), '—']);
  rows.push(['  import @asyncapi/parser + converter', ...cells((r) => share(r, phase(r, 'importParser'))), '—']);
  rows.push([
    '  import ts-morph (TypeScript compiler; CLI: during the parse)',
    ...cells((r) => share(r, phase(r, 'importTsMorph'))),
    '—',
  ]);
  rows.push([
    '  import generator (ours + handlebars, marked, yaml; CLI: during the parse)',
    ...cells((r) => share(r, phase(r, 'importGenerator'))),
    '—',
  ]);
  rows.push([
    '  parse, with the built structure validators (the parser’s own parse, cold)',
    ...cells((r) => {
      const parserParse = medianOf(r.parserReports, (p) => p.parse) ?? Number.NaN;
      return `${share(r, phase(r, 'parse'))} (${ms(parserParse)})`;
    }),
    '—',
  ]);
  rows.push(['  model', ...cells((r) => share(r, phase(r, 'model'))), '—']);
  rows.push(['  emit (ts-morph)', ...cells((r) => share(r, phase(r, 'emit'))), '—']);
  rows.push(['  docs', ...cells((r) => share(r, phase(r, 'docs'))), '—']);
  rows.push(['  write', ...cells((r) => share(r, phase(r, 'write'))), '—']);
  rows.push(['  total (child)', ...cells((r) => ms(phase(r, 'total'))), '—']);
  rows.push([
    'ours after the parse: model + emit + docs + write',
    ...cells((r) => share(r, phase(r, 'model') + phase(r, 'emit') + phase(r, 'docs') + phase(r, 'write'))),
    '—',
  ]);
  rows.push([
    'AsyncAPI parser: import + parse phase',
    ...cells((r) => share(r, phase(r, 'importParser') + phase(r, 'parse'))),
    '—',
  ]);

  return {
    title: '3. Generator speed',
    method:
      `\`node bin/asyncapi-nats.js generate <spec> --out <fresh temp dir>\` from the repository root (so the repository's ` +
      `config file is loaded, as with \`npm run generate\`), one new process per run, timed from spawn to exit; peak ` +
      `RSS from \`/usr/bin/time\`. The split comes from a child that runs the same generation in process on one thread (dist/ ` +
      `imported by plain \`node\`, no TypeScript loader) and times each phase of \`generateFiles\` and \`writeOutput\`; the ` +
      `baseline child only imports @asyncapi/parser and parses the spec once. Median of ${runs} runs of each after a ` +
      `discarded warm-up (so the OS file cache is warm; every process starts cold). The 300-channel spec is made by ` +
      `bench/spec300.ts: ${large.channels} addressed channels (+${large.replyChannels} reply channels), ` +
      `${large.operations} operations, payloads of eight fields with shared components, every 3rd message with ` +
      'headers, every 5th channel request/reply, every 7th durable.',
    columns: ['measurement', ...results.map((r) => r.spec.label), 'target'],
    rows,
    notes: [
      '`generate`, cold: what a user waits for, from starting the command to its exit, including Node’s startup and every import.',
      'parser alone: a process that only imports @asyncapi/parser and parses the same file with the parser’s own rules, which compile the AsyncAPI JSON Schema with ajv on every parse: what a generator built on the parser as shipped pays. Our parse runs the same rules, except that the document structure check runs on validators compiled once by `npm run build` (generator/parse/structure.ts; the same diagnostics, tested), which is why the parse phase of the split can be shorter than the parser alone.',
      'split: where the time of one in-process generation goes, one phase after the other; the parse phase is the parser (with the built validators), reading the file and the source map; “ours after the parse” is model, emit, docs and write.',
      'The CLI overlaps phases on two threads: it first starts a worker thread that imports @asyncapi/parser, parses and builds the model, while the main thread loads the command, the config (jiti for a .ts config), ts-morph and the rest of the generator; emit, docs and write follow on the main thread. Its wall time is therefore about boot + import parser + parse + model + emit + docs + write (plus starting the worker and the two threads slowing each other), less than the sum of the split.',
      'peak RSS: maximum resident memory of the whole process.',
    ],
    verdicts,
  };
}

/** Section 4 from the figures section 3 collected. */
export function runDocs(generator: GeneratorResults): Section {
  const { results, runs } = generator;
  const cells = (pick: (r: SpecResults) => string): string[] => results.map(pick);
  const phase = (r: SpecResults, key: keyof PhasesReport): number =>
    medianOf(r.phases, (p) => p[key] as number) ?? Number.NaN;
  const parserWall = (r: SpecResults): number => medianOf(r.parser, (g) => g.wallMs) ?? Number.NaN;
  const docsWall = (r: SpecResults): number => medianOf(r.docs, (g) => g.wallMs) ?? Number.NaN;
  return {
    title: '4. Docs site build',
    method:
      `\`node bin/asyncapi-nats.js docs <spec> --out <fresh temp dir>\`, one new process per run, and the docs phase of ` +
      `the in-process generation of section 3; median of ${runs} runs after a warm-up.`,
    columns: ['measurement', ...results.map((r) => r.spec.label)],
    rows: [
      ['`docs`, cold CLI process, wall', ...cells((r) => ms(docsWall(r)))],
      ['baseline: AsyncAPI parser alone, cold process', ...cells((r) => ms(parserWall(r)))],
      ['docs ÷ parser alone', ...cells((r) => `${(docsWall(r) / parserWall(r)).toFixed(2)}×`)],
      ['peak RSS of `docs`', ...cells((r) => mb(medianOf(r.docs, (g) => g.maxRssKb)))],
      ['docs phase in process (build the view, check examples, render)', ...cells((r) => ms(phase(r, 'docs')))],
      ['site size (files)', ...cells((r) => `${formatBytes(phase(r, 'docsBytes'))} (${phase(r, 'docsFiles')} files)`)],
      ['site size, gzipped file by file', ...cells((r) => formatBytes(phase(r, 'docsGzipBytes')))],
      [
        'generated code size (files)',
        ...cells((r) => `${formatBytes(phase(r, 'codeBytes'))} (${phase(r, 'codeFiles')} files)`),
      ],
    ],
    notes: [
      '`docs`, cold: the docs command alone, from start to exit; most of it is the same parse as `generate`.',
      'docs phase: building the site from the model in a warm process: examples generated and checked against their schemas, Markdown, Handlebars rendering, search index.',
      'site size: the bytes written (index.html, assets, search index), and what they weigh gzipped as a web server would send them.',
    ],
    verdicts: [],
  };
}
