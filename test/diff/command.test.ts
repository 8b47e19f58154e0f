import { describe, expect, it } from 'vitest';
import type { Io } from '../../generator/diagnostics.js';
import { DIFF_HELP, type DiffReport, diffCommand } from '../../generator/diff/index.js';

const OLD = 'test/fixtures/specs/diff/shop.yaml';
const NEW = 'test/fixtures/specs/diff/shop.v2.yaml';

/** Runs the command with an in-memory Io. */
async function diff(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (line) => out.push(line), err: (line) => err.push(line) };
  const code = await diffCommand(args, io);
  return { code, out: out.map((l) => `${l}\n`).join(''), err: err.map((l) => `${l}\n`).join('') };
}

describe('diff command', () => {
  it('diff - text output: one located line per change, most serious first, then a summary', async () => {
    const res = await diff(OLD, NEW);
    expect(res.code).toBe(0);
    expect(res.err).toBe('');
    expect(res.out).toBe(`\
${NEW}:91:9 breaking nats-queue-changed the queue group of operation 'receiveOrderTask' changed from 'shop.workers' to 'shop.task-workers'
  help: during a rollout old and new workers are in different groups (or none), so messages are handled more than once; stop the old workers before starting the new ones
${NEW}:146:9 breaking nats-header-added header 'region' of message OrderCreated (#/components/schemas/OrderHeaders/properties/region) was added (optional), where the old version accepted any value (as an unlisted property); new receivers reject values that old senders may send
  help: update every sender before any receiver: new senders send only values both versions accept
${NEW}:153:7 breaking nats-field-removed field 'Order.note' (#/components/schemas/Order/properties/note) was removed, so the new version accepts any value (as an unlisted property) there; old receivers reject values that new senders may send
  help: code that uses it no longer compiles against the generated type; deprecate it and remove it once nothing reads it
${NEW}:51:5 unclassified asyncapi-diff /channels/auditLog/bindings added
  before: (none)  after: {"ws":{"method":"POST"}}
${NEW}:5:3 non-breaking info-version-changed the API version changed from 1.0.0 to 1.1.0
${NEW}:14:5 non-breaking docs-changed documentation /channels/orderCreated/description changed
  before: "An order was placed."  after: "Someone placed an order."
${NEW}:33:7 non-breaking nats-stream-limits-changed the replicas of stream 'SHOP_TASKS' of channel 'orderTasks' changed from 1 to 3: stronger
  help: the runtime applies it to the existing stream when a new process connects (an old process that reconnects sets it back until every process runs the new version)
${NEW}:100:5 non-breaking nats-timeout-lengthened the request timeout of operation 'requestQuote' was lengthened from 5000 ms to 8000 ms
3 breaking, 4 non-breaking, 1 unclassified changes
`);
  });

  it('diff - --verbose adds the values and the pointer of each change', async () => {
    const res = await diff(OLD, NEW, '-v');
    expect(res.out).toContain(
      `${NEW}:33:7 non-breaking nats-stream-limits-changed the replicas of stream 'SHOP_TASKS' of channel 'orderTasks' changed from 1 to 3: stronger
  before: 1  after: 3
  help: the runtime applies it to the existing stream when a new process connects (an old process that reconnects sets it back until every process runs the new version)
  at: /channels/orderTasks/x-nats-jetstream/replicas
`,
    );
  });

  it('diff - --format json prints one document with counts, changes and problems', async () => {
    const res = await diff(OLD, NEW, '--format', 'json');
    expect(res.code).toBe(0);
    expect(res.err).toBe('');
    const doc = JSON.parse(res.out) as DiffReport;
    expect(Object.keys(doc)).toEqual(['old', 'new', 'counts', 'changes', 'problems']);
    expect(doc.old).toBe(OLD);
    expect(doc.new).toBe(NEW);
    expect(doc.counts).toEqual({ breaking: 3, unclassified: 1, 'non-breaking': 4 });
    expect(doc.problems).toEqual([]);
    expect(doc.changes[0]).toEqual({
      kind: 'breaking',
      rule: 'nats-queue-changed',
      message: "the queue group of operation 'receiveOrderTask' changed from 'shop.workers' to 'shop.task-workers'",
      file: NEW,
      line: 91,
      column: 9,
      pointer: '/operations/receiveOrderTask/bindings/nats/queue',
      before: 'shop.workers',
      after: 'shop.task-workers',
      help: 'during a rollout old and new workers are in different groups (or none), so messages are handled more than once; stop the old workers before starting the new ones',
    });
    expect(doc.changes.map((c) => c.rule)).toEqual([
      'nats-queue-changed',
      'nats-header-added',
      'nats-field-removed',
      'asyncapi-diff',
      'info-version-changed',
      'docs-changed',
      'nats-stream-limits-changed',
      'nats-timeout-lengthened',
    ]);
  });

  it('diff - --format github prints an annotation per change (error, warning, notice) and the summary', async () => {
    const res = await diff(OLD, NEW, '--format', 'github');
    const lines = res.out.trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    expect(lines[0]).toBe(
      `::error file=${NEW},line=91,col=9,title=nats-queue-changed::the queue group of operation 'receiveOrderTask' changed from 'shop.workers' to 'shop.task-workers'%0Ahelp: during a rollout old and new workers are in different groups (or none), so messages are handled more than once; stop the old workers before starting the new ones`,
    );
    expect(lines[3]).toBe(
      `::warning file=${NEW},line=51,col=5,title=asyncapi-diff::/channels/auditLog/bindings added%0Abefore: (none)  after: {"ws":{"method":"POST"}}`,
    );
    expect(lines[5]).toBe(
      `::notice file=${NEW},line=14,col=5,title=docs-changed::documentation /channels/orderCreated/description changed%0Abefore: "An order was placed."  after: "Someone placed an order."`,
    );
    expect(lines.map((l) => l.split(' ')[0])).toEqual([
      '::error',
      '::error',
      '::error',
      '::warning',
      '::notice',
      '::notice',
      '::notice',
      '::notice',
      '3',
    ]);
    expect(lines[8]).toBe('3 breaking, 4 non-breaking, 1 unclassified changes');
  });

  it.each([
    ['report only by default', [OLD, NEW], 0],
    ['--fail-on breaking with a breaking change', [OLD, NEW, '--fail-on', 'breaking'], 1],
    ['--fail-on none', [OLD, NEW, '--fail-on', 'none'], 0],
    ['--fail-on breaking without a breaking change', [OLD, OLD, '--fail-on', 'breaking'], 0],
    ['--fail-on non-breaking on identical specs', [OLD, OLD, '--fail-on', 'non-breaking'], 0],
    ['--fail-on non-breaking with any change', [OLD, NEW, '--fail-on', 'non-breaking'], 1],
    ['--fail-on unclassified with a breaking change', [OLD, NEW, '--fail-on', 'unclassified'], 1],
  ] as const)('diff - exit code: %s', async (_name, args, code) => {
    const res = await diff(...args);
    expect(res.code).toBe(code);
  });

  it('diff - identical specs: no changes, exit 0 even with --fail-on non-breaking', async () => {
    const res = await diff(OLD, OLD, '--fail-on', 'non-breaking');
    expect(res).toEqual({ code: 0, out: 'no changes\n', err: '' });
  });

  it('diff - --help prints the help on stdout and exits 0', async () => {
    const res = await diff('--help');
    expect(res).toEqual({ code: 0, out: `${DIFF_HELP}\n`, err: '' });
    expect(DIFF_HELP).toContain('asyncapi-nats diff <old-spec> <new-spec>');
  });

  it.each([
    ['no specs', [], 'error: diff takes two specs, the old and the new one, got 0'],
    ['one spec', [OLD], 'error: diff takes two specs, the old and the new one, got 1'],
    ['three specs', [OLD, NEW, NEW], 'error: diff takes two specs, the old and the new one, got 3'],
    [
      'a bad --fail-on',
      [OLD, NEW, '--fail-on', 'major'],
      "error: --fail-on must be one of breaking, unclassified, non-breaking, none, got 'major'",
    ],
    ['a bad --format', [OLD, NEW, '--format', 'xml'], "error: --format must be one of text, json, github, got 'xml'"],
    ['an unknown option', [OLD, NEW, '--bogus'], "error: unknown option '--bogus'"],
  ] as const)('diff - usage error (%s): exit 2, the message and the help on stderr', async (_name, args, message) => {
    const res = await diff(...args);
    expect(res.code).toBe(2);
    expect(res.out).toBe('');
    expect(res.err.startsWith(message)).toBe(true);
    expect(res.err).toContain(DIFF_HELP);
  });

  it('diff - a new spec with errors: exit 2, located problems with help, no changes, no stack trace', async () => {
    const res = await diff(OLD, 'test/fixtures/specs/bad-yaml.yaml', '--fail-on', 'breaking');
    expect(res.code).toBe(2);
    expect(res.out).toBe('');
    expect(res.err).toMatch(/^test\/fixtures\/specs\/bad-yaml\.yaml:17:\d+ error yaml-syntax .*\n {2}help: /);
    expect(res.err).toMatch(/\d+ errors?; the specs were not compared\n$/);
    expect(res.err).not.toMatch(/\n\s+at /);
  });

  it('diff - an old spec with errors is an error too', async () => {
    const res = await diff('test/fixtures/specs/illegal-subject.yaml', NEW);
    expect(res.code).toBe(2);
    expect(res.err).toContain(
      "test/fixtures/specs/illegal-subject.yaml:22:5 error nats-illegal-token address 'ai..x' has an empty token",
    );
  });

  it('diff - a missing file: exit 2 with file-unreadable', async () => {
    const res = await diff(OLD, 'test/fixtures/specs/diff/nope.yaml');
    expect(res.code).toBe(2);
    expect(res.err).toBe(
      'test/fixtures/specs/diff/nope.yaml error file-unreadable cannot read spec: no such file\n  help: check the path\n1 error; the specs were not compared\n',
    );
  });

  it('diff - spec errors in --format json go into the document', async () => {
    const res = await diff(OLD, 'test/fixtures/specs/diff/nope.yaml', '--format', 'json');
    expect(res.code).toBe(2);
    expect(res.err).toBe('');
    const doc = JSON.parse(res.out) as DiffReport;
    expect(doc.changes).toEqual([]);
    expect(doc.counts).toEqual({ breaking: 0, unclassified: 0, 'non-breaking': 0 });
    expect(doc.problems).toEqual([
      {
        code: 'file-unreadable',
        severity: 'error',
        message: 'cannot read spec: no such file',
        file: 'test/fixtures/specs/diff/nope.yaml',
        line: 0,
        column: 0,
        help: 'check the path',
      },
    ]);
  });

  it('diff - spec errors in --format github are annotations', async () => {
    const res = await diff(OLD, 'test/fixtures/specs/diff/nope.yaml', '--format', 'github');
    expect(res.code).toBe(2);
    expect(res.out).toBe(
      '::error file=test/fixtures/specs/diff/nope.yaml,title=file-unreadable::cannot read spec: no such file%0Ahelp: check the path\n',
    );
  });
});
