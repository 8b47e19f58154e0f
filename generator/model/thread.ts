/**
 * Where the model comes from: this thread, or the parse worker. The command line starts the worker
 * before anything else, so @asyncapi/parser loads and parses on a second thread while this one loads
 * the command, the config, ts-morph and the printers (a cold `generate` is about 0.3 s shorter).
 *
 * The worker is an optimisation, never a requirement: when it cannot start (say, run from source
 * without a TypeScript loader), crashes, or answers with something that cannot be cloned, the
 * request runs on this thread instead, with the same result. It never keeps the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { LoadedModel } from './load.js';

/** Turns a spec file into its model (see `load.ts`). */
export interface ModelSource {
  /** True when `load` runs on another thread, so the caller can do other work while it waits. */
  readonly parallel: boolean;
  /** The model of the spec at `specPath`; `file` is how problems and generated headers name it. */
  load(specPath: string, file: string): Promise<LoadedModel>;
  /** Stops the worker, if there is one; `load` still works afterwards, on this thread. */
  close(): void;
}

/** A request to the parse worker. */
export interface ModelRequest {
  readonly id: number;
  readonly specPath: string;
  readonly file: string;
}

/** The parse worker's answer: the model, or why it could not send one (the request is then run here). */
export type ModelResponse =
  | { readonly id: number; readonly result: LoadedModel }
  | { readonly id: number; readonly error: string };

/** Parses and models on the calling thread (the parser is imported on first use). */
export const IN_PROCESS: ModelSource = {
  parallel: false,
  async load(specPath, file) {
    const { loadModel } = await import('./load.js');
    return loadModel(specPath, file);
  },
  close() {},
};

/** The worker's entry beside this module: `worker.js` in dist/, `worker.ts` from source (under tsx). */
export function defaultWorkerEntry(): URL {
  const source = new URL(import.meta.url).pathname.endsWith('.ts');
  return new URL(source ? './worker.ts' : './worker.js', import.meta.url);
}

interface Waiting {
  readonly specPath: string;
  readonly file: string;
  readonly resolve: (result: Promise<LoadedModel> | LoadedModel) => void;
}

/**
 * Starts the parse worker; it imports the parser at once. `entry` is the worker's module (tests give
 * a broken one). Falls back to {@link IN_PROCESS} when the worker cannot be created.
 */
export function startModelWorker(entry: URL = defaultWorkerEntry()): ModelSource {
  let worker: Worker;
  try {
    worker = new Worker(entry);
  } catch {
    return IN_PROCESS;
  }
  const waiting = new Map<number, Waiting>();
  let nextId = 0;
  let usable = true;
  const inProcess = (w: Waiting) => w.resolve(IN_PROCESS.load(w.specPath, w.file));
  const stop = () => {
    usable = false;
    for (const w of waiting.values()) inProcess(w);
    waiting.clear();
    worker.terminate().then(undefined, () => {});
  };
  worker.on('message', (response: ModelResponse) => {
    const w = waiting.get(response.id);
    if (w === undefined) return;
    waiting.delete(response.id);
    if (waiting.size === 0) worker.unref();
    if ('result' in response) w.resolve(response.result);
    else inProcess(w);
  });
  // It could not load (or crashed), or an answer could not be read: every waiting request runs here.
  worker.on('error', stop);
  worker.on('messageerror', stop);
  worker.on('exit', stop);
  // Referenced only while a request waits for its answer: an idle worker never delays the exit.
  // (After the listeners: adding a 'message' listener references the worker again.)
  worker.unref();
  return {
    parallel: true,
    load(specPath, file) {
      if (!usable) return IN_PROCESS.load(specPath, file);
      return new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, { specPath, file, resolve });
        worker.ref();
        const request: ModelRequest = { id, specPath, file };
        worker.postMessage(request);
      });
    },
    close: stop,
  };
}

/**
 * `models` for the last request of a command: the worker is closed as soon as it has answered, so
 * its memory (the parser's document of a large spec is over 100 MB) is freed while this thread prints.
 */
export function lastRequest(models: ModelSource): ModelSource {
  return {
    parallel: models.parallel,
    load: (specPath, file) => models.load(specPath, file).finally(() => models.close()),
    close: () => models.close(),
  };
}

/** The parse worker, started on first need (`start`, or the first `load`). */
export interface LazyModels extends ModelSource {
  start(): void;
}

/** A parse worker that starts only when a spec needs parsing: the fast path never loads the parser. */
export function lazyModels(): LazyModels {
  let worker: ModelSource | undefined;
  const started = () => {
    worker ??= startModelWorker();
    return worker;
  };
  return {
    parallel: true,
    load: (specPath, file) => started().load(specPath, file),
    close: () => worker?.close(),
    start: () => {
      started();
    },
  };
}
