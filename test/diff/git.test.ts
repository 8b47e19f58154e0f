import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../generator/diagnostics.js';
import { diffCommand, diffSpecs } from '../../generator/diff/index.js';

const run = promisify(execFile);

let work: string;
let repo: string;

async function git(...args: string[]): Promise<void> {
  await run('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: repo });
}

/** Runs the command in `cwd` with an in-memory Io. */
async function diff(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (line) => out.push(line), err: (line) => err.push(line) };
  const code = await diffCommand(args, io, { cwd });
  return { code, out: out.map((l) => `${l}\n`).join(''), err: err.map((l) => `${l}\n`).join('') };
}

// A repository whose HEAD has the shop spec, and whose working copy renames a queue group.
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-diff-git-'));
  repo = path.join(work, 'repo');
  await mkdir(path.join(repo, 'specs'), { recursive: true });
  const spec = await readFile('test/fixtures/specs/diff/shop.yaml', 'utf8');
  await writeFile(path.join(repo, 'specs/shop.yaml'), spec);
  await writeFile(
    path.join(repo, 'specs/split.yaml'),
    spec.replace("$ref: '#/components/schemas/Task'", "$ref: './task.yaml#/Task'"),
  );
  await git('init', '--quiet');
  await git('add', '.');
  await git('commit', '--quiet', '-m', 'shop');
  await writeFile(path.join(repo, 'specs/shop.yaml'), spec.replace('queue: shop.workers', 'queue: shop.pool'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('diff git revisions', () => {
  it('diff - HEAD:path against the working file finds the change, located in the working file', async () => {
    const report = await diffSpecs({ old: 'HEAD:specs/shop.yaml', new: 'specs/shop.yaml', cwd: repo });
    expect(report.problems).toEqual([]);
    expect(report.old).toBe('HEAD:specs/shop.yaml');
    expect(report.changes).toMatchObject([
      {
        kind: 'breaking',
        rule: 'nats-queue-changed',
        file: 'specs/shop.yaml',
        line: 88,
        column: 9,
        before: 'shop.workers',
        after: 'shop.pool',
      },
    ]);
  });

  it('diff - --fail-on breaking fails on the change against HEAD (exit 1)', async () => {
    const res = await diff(repo, 'HEAD:specs/shop.yaml', 'specs/shop.yaml', '--fail-on', 'breaking');
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/^specs\/shop\.yaml:88:9 breaking nats-queue-changed /);
  });

  it('diff - a revision against itself has no changes', async () => {
    const res = await diff(repo, 'HEAD:specs/shop.yaml', 'HEAD:specs/shop.yaml', '--fail-on', 'non-breaking');
    expect(res).toEqual({ code: 0, out: 'no changes\n', err: '' });
  });

  it.each([
    [
      'an unknown revision',
      'nope:specs/shop.yaml',
      /^nope:specs\/shop\.yaml error git-revision-unreadable cannot read 'nope:specs\/shop\.yaml' from git: .*\n {2}help: check that revision 'nope' exists and has 'specs\/shop\.yaml'/,
    ],
    [
      'a path the revision does not have',
      'HEAD:specs/gone.yaml',
      /^HEAD:specs\/gone\.yaml error git-revision-unreadable cannot read 'HEAD:specs\/gone\.yaml' from git: path 'specs\/gone\.yaml' does not exist in 'HEAD'\n {2}help: /,
    ],
    [
      'a folder',
      'HEAD:specs',
      /^HEAD:specs error git-revision-unreadable 'HEAD:specs' is a folder, not a file\n {2}help: /,
    ],
    [
      'a revision that looks like an option',
      '--output=x:specs/shop.yaml',
      /^--output=x:specs\/shop\.yaml error git-revision-invalid revision '--output=x' starts with '-'\n {2}help: /,
    ],
  ])('diff - %s: exit 2 with the problem', async (_name, old, problem) => {
    // `--` keeps the option-looking argument a positional for parseArgs; git must still refuse it.
    const res = await diff(repo, '--', old, 'specs/shop.yaml');
    expect(res.code).toBe(2);
    expect(res.out).toBe('');
    expect(res.err).toMatch(problem);
    expect(res.err).toMatch(/1 error; the specs were not compared\n$/);
  });

  it('diff - a revision outside a git repository: git-not-a-repository', async () => {
    const outside = path.join(work, 'outside');
    await mkdir(outside, { recursive: true });
    const report = await diffSpecs({ old: 'HEAD:shop.yaml', new: 'shop.yaml', cwd: outside });
    expect(report.problems.map((p) => p.code)).toContain('git-not-a-repository');
    expect(report.changes).toEqual([]);
  });

  it('diff - a spec with $refs to other files cannot be read from a revision', async () => {
    const report = await diffSpecs({ old: 'HEAD:specs/split.yaml', new: 'specs/shop.yaml', cwd: repo });
    expect(report.problems).toMatchObject([
      {
        code: 'git-external-ref',
        severity: 'error',
        file: 'HEAD:specs/split.yaml',
        message:
          "the spec in HEAD:specs/split.yaml refers to another file ($ref: './task.yaml#/Task'), which cannot be read from a git revision",
      },
    ]);
    expect(report.problems[0]?.line).toBeGreaterThan(0);
  });

  it('diff - git not installed: git-not-found, not a crash', async () => {
    const saved = process.env.PATH;
    process.env.PATH = path.join(work, 'no-bin');
    try {
      const report = await diffSpecs({ old: 'HEAD:specs/shop.yaml', new: 'specs/shop.yaml', cwd: repo });
      expect(report.problems).toMatchObject([
        {
          code: 'git-not-found',
          message: "cannot read 'HEAD:specs/shop.yaml' from git: git is not installed or not on PATH",
        },
      ]);
    } finally {
      process.env.PATH = saved;
    }
  });
});
