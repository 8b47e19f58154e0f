/**
 * `generate --watch`: generates once, then again whenever a spec (or a file next to it that it may
 * `$ref`), a docs template or the config file changes. A broken edit prints its diagnostics and
 * keeps the last good output (a spec with errors writes nothing); the next good save regenerates.
 * Runs until SIGINT or SIGTERM (or the abort signal), then exits 0.
 *
 * File events come from chokidar, which handles editors' atomic saves (write to a temp file, rename)
 * and coalesces bursts; a short debounce turns one save into one regeneration.
 */
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { type RunReport, runTarget, summaryLines } from './commands/run.js';
import { resolveTargets, type TargetFlags } from './commands/targets.js';
import { countProblems, displayPath, type Io, printProblems, type ReportFormat } from './diagnostics.js';
import { resolveOptions } from './generate.js';
import type { GenerateOptions } from './options.js';
import { hasErrors } from './problems.js';

export interface WatchOptions {
  readonly positionals: readonly string[];
  readonly flags: TargetFlags;
  readonly cwd: string;
  readonly io: Io;
  readonly format: ReportFormat;
  readonly verbose: boolean;
  /** Stops watching; default: SIGINT or SIGTERM. */
  readonly signal?: AbortSignal;
  /** Quiet time after the last event before regenerating; default 100 ms. */
  readonly debounceMs?: number;
}

const SPEC_FILE = /\.(ya?ml|json)$/i;

/** What one target makes the watcher look at. */
interface Watched {
  readonly target: GenerateOptions;
  readonly specDir: string;
  readonly templatesDir?: string;
  /** Output folders: never watched (we write them). */
  readonly outDirs: readonly string[];
}

function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function describe(target: GenerateOptions): Watched {
  const o = resolveOptions(target);
  return {
    target,
    specDir: path.dirname(o.specPath),
    ...(o.templatesDir !== undefined ? { templatesDir: o.templatesDir } : {}),
    outDirs: [o.outDir, o.docsDir],
  };
}

/** Runs the watch loop; resolves with exit code 0 when stopped. */
export async function watchTargets(options: WatchOptions): Promise<number> {
  const { io, cwd, format, verbose } = options;
  const time = () => new Date().toTimeString().slice(0, 8);
  let watched: Watched[] = [];
  let configFile: string | undefined;

  const load = async (): Promise<boolean> => {
    const loaded = await resolveTargets(options.positionals, options.flags, cwd);
    configFile = loaded.configFile;
    if (!loaded.targets || hasErrors(loaded.problems)) {
      printProblems(loaded.problems, format, verbose, io);
      io.err(`[${time()}] config: ${countProblems(loaded.problems)}; fix it and save again`);
      return false;
    }
    watched = loaded.targets.map(describe);
    return true;
  };

  const runOne = async (w: Watched, why?: string): Promise<RunReport> => {
    const report = await runTarget(w.target);
    printProblems(report.problems, format, verbose, io);
    const ms = Math.round(report.ms);
    if (!report.ok) {
      io.err(`[${time()}] ${report.spec}: ${countProblems(report.problems)}; kept the last good output (${ms} ms)`);
      return report;
    }
    if (why === undefined) {
      for (const line of summaryLines(report, cwd)) io.out(`[${time()}] ${line}`);
      return report;
    }
    const written = report.folders.flatMap((f) => f.written.map((n) => displayPath(cwd, path.join(f.dir, n))));
    const removed = report.folders.flatMap((f) => f.removed.map((n) => displayPath(cwd, path.join(f.dir, n))));
    const what =
      written.length + removed.length === 0
        ? 'output unchanged'
        : [
            written.length > 0 ? `updated ${written.join(', ')}` : '',
            removed.length > 0 ? `removed ${removed.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('; ');
    io.out(`[${time()}] ${why}: ${what} (${ms} ms)`);
    return report;
  };

  const roots = (): string[] => {
    const set = new Set<string>();
    for (const w of watched) {
      set.add(w.specDir);
      if (w.templatesDir) set.add(w.templatesDir);
    }
    if (configFile) set.add(configFile);
    return [...set];
  };

  // The first generation.
  if (await load()) for (const w of watched) await runOne(w);

  const ignored = (file: string): boolean => {
    if (file === configFile) return false;
    if (watched.some((w) => w.outDirs.some((d) => inside(d, file)))) return true;
    const base = path.basename(file);
    if (base === 'node_modules' || (base.startsWith('.') && base.length > 1)) return true;
    return false;
  };
  const watcher: FSWatcher = watch(roots(), {
    ignoreInitial: true,
    ignored,
    depth: 4,
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  const names = watched.map((w) => displayPath(cwd, resolveOptions(w.target).specPath));
  io.out(
    `watching ${names.join(', ') || 'the config'}${configFile ? ` and ${displayPath(cwd, configFile)}` : ''} for changes; press Ctrl-C to stop`,
  );

  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const relevant = (file: string): boolean =>
    file === configFile ||
    watched.some(
      (w) => (w.templatesDir && inside(w.templatesDir, file)) || (inside(w.specDir, file) && SPEC_FILE.test(file)),
    );

  const flush = async (): Promise<void> => {
    const changed = [...pending];
    pending = new Set();
    if (changed.length === 0) return;
    const shown = changed.map((f) => displayPath(cwd, f)).join(', ');
    if (configFile && changed.includes(configFile)) {
      if (!(await load())) return;
      watcher.add(roots());
      for (const w of watched) await runOne(w, `${shown} changed`);
      return;
    }
    for (const w of watched) {
      const hit = changed.some(
        (f) => (w.templatesDir && inside(w.templatesDir, f)) || (inside(w.specDir, f) && SPEC_FILE.test(f)),
      );
      if (hit) await runOne(w, `${shown} changed`);
    }
  };

  const onEvent = (file: string) => {
    const abs = path.resolve(file);
    if (!relevant(abs)) return;
    pending.add(abs);
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(flush).catch((e: unknown) => {
        io.err(`[${time()}] internal error while regenerating (please report it): ${String(e)}`);
      });
    }, options.debounceMs ?? 100);
  };
  watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
  watcher.on('error', (e) => io.err(`[${time()}] watch error: ${String(e)}`));

  await new Promise<void>((resolve) => {
    if (options.signal) {
      if (options.signal.aborted) resolve();
      options.signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  clearTimeout(timer);
  await running;
  await watcher.close();
  io.out('stopped watching');
  return 0;
}
