/**
 * `generate --watch`: generates once, then again whenever a spec (or a file next to it that it may
 * `$ref`), a docs template or the config file changes. A broken edit prints its diagnostics and
 * keeps the last good output (a spec with errors writes nothing); the next good save regenerates.
 * Runs until SIGINT, SIGTERM or SIGHUP, or until the process that started it is gone (or the abort
 * signal), then exits 0.
 *
 * File events come from chokidar, which handles editors' atomic saves (write to a temp file, rename)
 * and coalesces bursts; a short debounce turns one save into one regeneration.
 */
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { cacheDir } from './commands/fresh.js';
import { type RunContext, type RunReport, runTarget, summaryLines } from './commands/run.js';
import { resolveTargets, type TargetFlags } from './commands/targets.js';
import { countProblems, displayPath, type Io, printProblems, type ReportFormat } from './diagnostics.js';
import { resolveOptions } from './generate.js';
import { IN_PROCESS } from './model/thread.js';
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
  // Each run is recorded for the fast path, so a `check` after a watch session does not parse again.
  let context: RunContext = { cwd, cache: undefined };

  const load = async (): Promise<boolean> => {
    const loaded = await resolveTargets(options.positionals, options.flags, cwd);
    configFile = loaded.configFile;
    context = { cwd, cache: await cacheDir(loaded.root) };
    if (!loaded.targets || hasErrors(loaded.problems)) {
      printProblems(loaded.problems, format, verbose, io);
      io.err(`[${time()}] config: ${countProblems(loaded.problems)}; fix it and save again`);
      return false;
    }
    watched = loaded.targets.map(describe);
    return true;
  };

  const runOne = async (w: Watched, why?: string): Promise<RunReport> => {
    const report = await runTarget(w.target, IN_PROCESS, context);
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

  const why = await new Promise<string | undefined>((resolve) => {
    if (options.signal) {
      if (options.signal.aborted) resolve(undefined);
      options.signal.addEventListener('abort', () => resolve(undefined), { once: true });
      return;
    }
    resolve(untilStopped());
  });
  clearTimeout(timer);
  await running;
  await watcher.close();
  io.out(why === undefined ? 'stopped watching' : `stopped watching (${why})`);
  return 0;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Resolves when the watch should end: on SIGINT (Ctrl-C), SIGTERM or SIGHUP (the terminal closed),
 * with undefined; or when the process that started this one is gone, with the reason. That second
 * case is how `kill <pid of npx>` ends a watch run under npx: npm starts the command through
 * `sh -c`, and when npm dies of SIGTERM the shell dies with it and leaves this process behind,
 * adopted by init (or a subreaper), still holding its terminal and its file watchers.
 */
function untilStopped(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const parent = process.ppid;
    const orphaned = setInterval(() => {
      if (process.ppid !== parent) finish('the process that started it exited');
    }, 250);
    orphaned.unref();
    const onSignal = () => finish(undefined);
    function finish(why: string | undefined): void {
      clearInterval(orphaned);
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      resolve(why);
    }
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  });
}
