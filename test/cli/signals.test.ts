/**
 * `generate --watch` under npx ends when it is told to and leaves no process behind. npx (npm exec)
 * runs the command as `npm exec` → `sh -c asyncapi-nats …` → node. Ctrl-C in a terminal signals the
 * whole process group; a process manager signals npx alone: npm dies of SIGTERM and its shell with
 * it, and the watcher, adopted by init, sees its parent gone and stops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './io.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'asyncapi-nats-signals-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A project where `npx asyncapi-nats` is this package (as after `npm install asyncapi-nats`). */
async function project(name: string): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), '{"name":"signals","private":true}\n');
  await symlink(path.join(ROOT, 'bin', 'asyncapi-nats.js'), path.join(dir, 'node_modules', '.bin', 'asyncapi-nats'));
  await mkdir(path.join(dir, 'spec'));
  await cp(path.join(ROOT, 'test/fixtures/specs/v31.asyncapi.yaml'), path.join(dir, 'spec', 'api.yaml'));
  return dir;
}

/** Every live descendant of `pid` (Linux /proc), as pid → command line. */
function descendants(pid: number): Map<number, string> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out = new Map<number, string>();
  const walk = (p: number) => {
    for (const [child, parent] of parents) {
      if (parent !== p || out.has(child)) continue;
      try {
        out.set(child, readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ').trim());
      } catch {
        continue;
      }
      walk(child);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** `npx asyncapi-nats generate spec/api.yaml --watch` in `dir`, in a process group of its own; resolves once it watches. */
async function watchUnderNpx(dir: string) {
  const child: ChildProcess = spawn(
    'npx',
    ['--no-install', 'asyncapi-nats', 'generate', 'spec/api.yaml', '--out', 'out', '--watch'],
    { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const watching = await until(() => stdout.includes('for changes; press Ctrl-C to stop'), 60_000);
  expect(watching, `npx did not start watching:\n${stdout}\n${stderr}`).toBe(true);
  const pid = child.pid as number;
  const tree = descendants(pid);
  const node = [...tree].find(([, cmd]) => cmd.includes('asyncapi-nats') && cmd.includes('node'))?.[0];
  expect(node, `no node process under npx: ${JSON.stringify([...tree])}`).toBeDefined();
  return {
    pid,
    node: node as number,
    tree,
    exited,
    output: () => stdout,
    cleanup: () => {
      for (const p of [pid, ...tree.keys()]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

describe('signals', () => {
  it('signals - SIGTERM to npx ends generate --watch promptly (under 3 s) and leaves no process behind', async () => {
    const run = await watchUnderNpx(await project('term'));
    try {
      const t = performance.now();
      process.kill(run.pid, 'SIGTERM');
      await run.exited;
      expect(await until(() => [...run.tree.keys()].every((p) => !alive(p)), 5_000)).toBe(true);
      expect(performance.now() - t).toBeLessThan(3_000);
      expect(run.output()).toContain('stopped watching (the process that started it exited)');
    } finally {
      run.cleanup();
    }
  }, 90_000);

  it('signals - Ctrl-C (SIGINT to the process group of npx) ends generate --watch and every process of it', async () => {
    const run = await watchUnderNpx(await project('int'));
    try {
      process.kill(-run.pid, 'SIGINT');
      const { code, signal } = await run.exited;
      expect(await until(() => [...run.tree.keys()].every((p) => !alive(p)), 5_000)).toBe(true);
      // The watcher exits 0; its shell then ends itself with the SIGINT it held, and npm passes that on,
      // as after any command stopped with Ctrl-C.
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' });
      expect(run.output()).toMatch(/stopped watching\n$/);
    } finally {
      run.cleanup();
    }
  }, 90_000);
});
