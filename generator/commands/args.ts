/**
 * Command-line arguments: node:util `parseArgs`, with its errors said as ours (`unknown option
 * '--wath'; did you mean '--watch'?`) instead of its raw text. Every mistake is a {@link UsageError}.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../diagnostics.js';
import { suggest } from '../suggest.js';

/** Extra knowledge for the messages. */
export interface ArgsContext {
  /** Options this command does not take but another one does: name → that command (`watch` → `generate`). */
  readonly elsewhere?: Readonly<Record<string, string>>;
}

/** The command names, for "did you mean" on an unknown command. */
export const COMMANDS = ['init', 'generate', 'check', 'diff', 'docs', 'help'] as const;

/** The known command `name` was likely meant to be: close in spelling, or the only one it starts. */
export function suggestCommand(name: string): string | undefined {
  const close = suggest(name, COMMANDS);
  if (close !== undefined) return close;
  const starting = COMMANDS.filter((c) => name.length >= 2 && c.startsWith(name));
  return starting.length === 1 ? starting[0] : undefined;
}

function flag(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/** `parseArgs(config)` (strict) for `command`; throws {@link UsageError} with a clear message. */
export function parseCommandArgs<T extends ParseArgsConfig>(
  command: string,
  config: T,
  context: ArgsContext = {},
): ReturnType<typeof parseArgs<T>> {
  const options = config.options ?? {};
  const longNames = Object.keys(options);
  // A first, lenient pass sees every option as written, so an unknown one is named with a suggestion.
  const lenient = parseArgs({ ...config, strict: false, allowPositionals: true, tokens: true });
  for (const token of lenient.tokens ?? []) {
    if (token.kind !== 'option' || token.name in options) continue;
    const other = context.elsewhere?.[token.name];
    if (other !== undefined) {
      throw new UsageError(
        `${command} has no option '${token.rawName}'; it is an option of \`asyncapi-nats ${other}\``,
      );
    }
    const close = token.rawName.startsWith('--') ? suggest(token.name, longNames) : undefined;
    throw new UsageError(
      `unknown option '${token.rawName}'${close !== undefined ? `; did you mean '--${close}'?` : ''}`,
    );
  }
  try {
    return parseArgs({ ...config, strict: true }) as ReturnType<typeof parseArgs<T>>;
  } catch (e) {
    throw translate(command, e, options);
  }
}

/** parseArgs' own errors, said plainly; anything else is returned as it is. */
function translate(command: string, e: unknown, options: NonNullable<ParseArgsConfig['options']>): unknown {
  const code = (e as { code?: unknown } | undefined)?.code;
  const message = e instanceof Error ? e.message : String(e);
  const named = /'(?:-\w, )?(--?[\w-]+)/.exec(message)?.[1];
  const name = named?.replace(/^--?/, '');
  const option =
    name === undefined ? undefined : (options[name] ?? Object.values(options).find((o) => o.short === name));
  const long = name === undefined ? undefined : option === options[name] ? name : longNameOf(options, name);
  const shown = long !== undefined ? flag(long) : (named ?? 'an option');
  switch (code) {
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return new UsageError(`option '${shown}' takes no value`);
      if (/ambiguous/.test(message)) {
        return new UsageError(
          `option '${shown}' needs a value, but the next argument is an option; write ${shown}=<value> if the value starts with '-'`,
        );
      }
      return new UsageError(`option '${shown}' needs a value: ${shown} <value>`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const extra = /argument '([^']*)'/.exec(message)?.[1];
      return new UsageError(`${command} takes no arguments${extra !== undefined ? `, got '${extra}'` : ''}`);
    }
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option '${named ?? '?'}'`);
    default:
      return e;
  }
}

function longNameOf(options: NonNullable<ParseArgsConfig['options']>, short: string): string | undefined {
  return Object.entries(options).find(([, o]) => o.short === short)?.[0];
}
