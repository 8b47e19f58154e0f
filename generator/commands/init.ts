/**
 * `init`: writes a starter config (`asyncapi-nats.config.ts`) and, unless the spec it names exists,
 * a starter spec (one request/reply in a queue group and one event, per tenant). Never overwrites a
 * file without `--force`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { displayPath, type Io, UsageError } from '../diagnostics.js';
import { specName } from '../options.js';
import { parseCommandArgs } from './args.js';
import { isUsageError } from './generate.js';
import { INIT_HELP } from './help.js';

/** Our templates folder for `init` (`templates/init`), found from source or from dist. */
function initTemplatesDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'templates', 'init');
    if (existsSync(path.join(candidate, 'starter.asyncapi.yaml'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('asyncapi-nats: templates/init not found next to the package');
}

/** A path as a single-quoted TypeScript string's content. */
function tsString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r?\n/g, ' ');
}

/** `asyncapi-nats init`. */
export async function initCommand(args: readonly string[], io: Io, cwd: string = process.cwd()): Promise<number> {
  let values: { spec?: string | undefined; out?: string | undefined; force?: boolean | undefined; help?: boolean };
  try {
    const parsed = parseCommandArgs('init', {
      args: [...args],
      allowPositionals: false,
      options: {
        spec: { type: 'string' },
        out: { type: 'string', short: 'o' },
        force: { type: 'boolean', short: 'f' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    values = parsed.values;
    if (values.spec !== undefined && !/\.(ya?ml|json)$/i.test(values.spec)) {
      throw new UsageError(`--spec must name a .yaml, .yml or .json file, got '${values.spec}'`);
    }
  } catch (e) {
    if (!isUsageError(e)) throw e;
    io.err(`error: ${e.message}\n\n${INIT_HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(INIT_HELP);
    return 0;
  }
  const specRel = (values.spec ?? 'spec/greeter.asyncapi.yaml').split(path.sep).join('/');
  const outRel = (values.out ?? `generated/${specName(specRel)}`).split(path.sep).join('/');
  const configFile = path.join(cwd, 'asyncapi-nats.config.ts');
  const specFile = path.resolve(cwd, specRel);
  const templates = initTemplatesDir();

  if (existsSync(configFile) && values.force !== true) {
    io.err(
      `${displayPath(cwd, configFile)} error init-exists the config already exists; nothing was written\n  help: edit it, or run \`asyncapi-nats init --force\` to replace it`,
    );
    return 2;
  }
  const config = Handlebars.compile(await readFile(path.join(templates, 'asyncapi-nats.config.ts.hbs'), 'utf8'), {
    noEscape: true,
    strict: true,
  })({ spec: tsString(specRel), out: tsString(outRel) });

  try {
    await writeFile(configFile, config);
    io.out(`wrote ${displayPath(cwd, configFile)}`);
    if (existsSync(specFile)) {
      io.out(`kept ${displayPath(cwd, specFile)} (it exists)`);
    } else {
      await mkdir(path.dirname(specFile), { recursive: true });
      await writeFile(specFile, await readFile(path.join(templates, 'starter.asyncapi.yaml'), 'utf8'));
      io.out(`wrote ${displayPath(cwd, specFile)}`);
    }
  } catch (cause) {
    io.err(
      `${displayPath(cwd, (cause as NodeJS.ErrnoException).path ?? cwd)} error init-unwritable cannot write: ${(cause as Error).message}\n  help: run init in a folder you can write to`,
    );
    return 2;
  }
  io.out('next: npx asyncapi-nats generate');
  return 0;
}
