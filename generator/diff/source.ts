/**
 * Where a spec to compare comes from: a file, or `REV:path` as stored in a git revision (read with
 * `git show`, no shell). Failures are problems, never exceptions.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { isMap, isScalar, isSeq, type Node, parseDocument } from 'yaml';
import { SourceMap } from '../parse/locate.js';
import { type ParsedSpec, parseSpec, parseSpecText } from '../parse/parse.js';
import type { Problem } from '../problems.js';

const run = promisify(execFile);

/** A spec argument that names a git revision: `main:spec/ai-sdk.asyncapi.yaml` → `main`, `spec/ai-sdk.asyncapi.yaml`. */
export interface GitPath {
  readonly rev: string;
  readonly path: string;
}

/**
 * `REV:path` when `arg` has a `:` and is not an existing file (nor a Windows drive path);
 * `undefined` for a plain path.
 */
export async function gitPathOf(arg: string, cwd: string): Promise<GitPath | undefined> {
  const colon = arg.indexOf(':');
  if (colon < 0 || /^[A-Za-z]:[\\/]/.test(arg)) return undefined;
  try {
    await stat(path.resolve(cwd, arg));
    return undefined;
  } catch {
    return { rev: arg.slice(0, colon), path: arg.slice(colon + 1) };
  }
}

/** Reads and parses one side of a diff. `file` in problems is the argument as given. */
export async function loadSpec(arg: string, cwd: string): Promise<{ spec?: ParsedSpec; problems: Problem[] }> {
  const git = await gitPathOf(arg, cwd);
  if (!git) return parseSpec(path.resolve(cwd, arg), arg);
  const read = await gitShow(git, arg, cwd);
  if ('problem' in read) return { problems: [read.problem] };
  const external = externalRef(read.text, arg);
  if (external) return { problems: [external] };
  return parseSpecText(read.text, arg, path.resolve(cwd, git.path));
}

function fileProblem(file: string, code: string, message: string, help: string): Problem {
  return { code, severity: 'error', message, file, line: 0, column: 0, help };
}

/** `git show REV:path` in `cwd`: the file's text, or why it could not be read. */
async function gitShow(git: GitPath, file: string, cwd: string): Promise<{ text: string } | { problem: Problem }> {
  if (git.rev.startsWith('-')) {
    return {
      problem: fileProblem(
        file,
        'git-revision-invalid',
        `revision '${git.rev}' starts with '-'`,
        'name a branch, tag or commit, e.g. main:spec/ai-sdk.asyncapi.yaml',
      ),
    };
  }
  try {
    await stat(cwd);
  } catch {
    return { problem: fileProblem(file, 'git-revision-unreadable', `folder '${cwd}' does not exist`, 'check --cwd') };
  }
  let stdout: string;
  try {
    ({ stdout } = await run('git', ['show', `${git.rev}:${git.path}`], {
      cwd,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      // English messages, so the reason below can be recognised; no pager, no prompt.
      env: { ...process.env, LC_ALL: 'C', GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0' },
      windowsHide: true,
    }));
  } catch (cause) {
    const e = cause as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      return {
        problem: fileProblem(
          file,
          'git-not-found',
          `cannot read '${file}' from git: git is not installed or not on PATH`,
          'install git, or check the revision out and compare the files',
        ),
      };
    }
    const reason = gitReason(e.stderr ?? e.message);
    if (/not a git repository/i.test(reason)) {
      return {
        problem: fileProblem(
          file,
          'git-not-a-repository',
          `cannot read '${file}': ${cwd} is not in a git repository`,
          'run diff inside the repository, or give the old spec as a file',
        ),
      };
    }
    return {
      problem: fileProblem(
        file,
        'git-revision-unreadable',
        `cannot read '${file}' from git: ${reason}`,
        `check that revision '${git.rev}' exists and has '${git.path}' (paths start at the repository root; ./ starts at the current folder)`,
      ),
    };
  }
  if (stdout.startsWith(`tree ${git.rev}:`)) {
    return {
      problem: fileProblem(
        file,
        'git-revision-unreadable',
        `'${file}' is a folder, not a file`,
        'name the spec file inside it',
      ),
    };
  }
  return { text: stdout };
}

/** The first `fatal:` line git printed, without the prefix. */
function gitReason(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('fatal:')) ?? stderr.split('\n')[0] ?? '';
  return line.replace(/^fatal:\s*/, '').trim() || 'git failed';
}

/**
 * A `$ref` to another file, which would be read from the working tree (another version than the
 * revision's): refused, with its location. `undefined` when every `$ref` is local.
 */
function externalRef(text: string, file: string): Problem | undefined {
  let root: Node | null;
  try {
    root = parseDocument(text, { uniqueKeys: false }).contents as Node | null;
  } catch {
    return undefined; // the parser reports the syntax error, located
  }
  const found = findExternal(root, '');
  if (!found) return undefined;
  const { line, column } = SourceMap.fromText(text).locate(found.pointer);
  return {
    code: 'git-external-ref',
    severity: 'error',
    message: `the spec in ${file} refers to another file ($ref: '${found.ref}'), which cannot be read from a git revision`,
    file,
    line,
    column,
    help: 'bundle the spec into one file (e.g. `asyncapi bundle`), or check the revision out and compare the two files',
  };
}

function findExternal(node: Node | null, pointer: string): { ref: string; pointer: string } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const value = pair.value as Node | null;
      if (key === '$ref' && isScalar(value) && typeof value.value === 'string' && !value.value.startsWith('#')) {
        return { ref: value.value, pointer: `${pointer}/$ref` };
      }
      const inner = findExternal(value, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const inner = findExternal(item as Node | null, `${pointer}/${i}`);
      if (inner) return inner;
    }
  }
  return undefined;
}
