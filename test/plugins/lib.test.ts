import { describe, expect, it } from 'vitest';
import { matchPrefix, normaliseAllocId, pickAllocation, runningAllocations } from '../../src/plugins/lib/alloc.js';
import { FrameDecoder, FrameText } from '../../src/plugins/lib/log-frames.js';
import { capTail, countNewlines, initialWindow, selectTail } from '../../src/plugins/lib/log-tail.js';
import { age, iso, short } from '../../src/plugins/lib/nomad.js';
import { groupSentences, placementBlock, placementSentences } from '../../src/plugins/lib/placement.js';
import { diffChanges, groupUpdates } from '../../src/plugins/lib/plan.js';
import { redact } from '../../src/plugins/lib/redact.js';
import { nomadMessage, unwrapJob, warningLines } from '../../src/plugins/lib/register.js';
import { hclVariables } from '../../src/plugins/lib/jobspec.js';
import { configItems } from '../../src/plugins/save-config.js';
import { verdict } from '../../src/plugins/job-status.js';

const WIN_FAILURE = {
  win: {
    NodesEvaluated: 3,
    NodesFiltered: 3,
    NodesInPool: 3,
    NodesAvailable: { dc1: 3 },
    ClassFiltered: null,
    ConstraintFiltered: { '${attr.kernel.name} = windows': 3 },
    NodesExhausted: 0,
    ClassExhausted: null,
    DimensionExhausted: null,
    QuotaExhausted: null,
    CoalescedFailures: 2,
  },
};

describe('placement sentences', () => {
  it('spells out a constraint that filtered every node', () => {
    const s = placementSentences(WIN_FAILURE);
    expect(s).toContain(
      'group "win": 3 of 3 nodes filtered — constraint ${attr.kernel.name} = windows filtered 3 nodes; fix: relax or change that constraint, or add nodes that satisfy it.',
    );
    expect(s).toContain('group "win": 3 allocations could not be placed.');
    expect(s.some((l) => l.includes('available per datacenter: dc1=3'))).toBe(true);
  });

  it('uses the evaluation queued count when given', () => {
    expect(placementSentences(WIN_FAILURE, { win: 5 })[0]).toBe('group "win": 5 allocations could not be placed.');
  });

  it('describes exhausted resources with a fix', () => {
    const s = groupSentences('api', { NodesEvaluated: 2, NodesFiltered: 0, NodesExhausted: 2, DimensionExhausted: { memory: 2 }, NodesInPool: 2, NodesAvailable: { dc1: 2 } });
    expect(s).toContain("group \"api\": resources exhausted on 2 nodes: memory (2); fix: lower the task's memory or add capacity.");
    const both = groupSentences('api', { NodesEvaluated: 2, NodesExhausted: 2, DimensionExhausted: { memory: 1, cpu: 1 } });
    expect(both.find((l) => l.includes('exhausted'))).toMatch(/fix: lower the task's cpu and the task's memory or add capacity|fix: lower the task's memory and the task's cpu or add capacity/);
  });

  it('covers no eligible nodes, empty datacenters, classes and quotas', () => {
    const s = groupSentences('g', {
      NodesEvaluated: 0,
      NodesInPool: 0,
      NodesAvailable: { dc9: 0 },
      ClassFiltered: { gpu: 2 },
      ClassExhausted: { big: 1 },
      QuotaExhausted: ['memory exhausted (2048 > 1024)'],
    });
    const text = s.join('\n');
    expect(text).toContain('no nodes were eligible for evaluation');
    expect(text).toContain('no nodes are available in datacenter "dc9"');
    expect(text).toContain('node class "gpu" filtered 2 nodes');
    expect(text).toContain('node class "big" exhausted on 1 node');
    expect(text).toContain('quota exhausted (memory exhausted (2048 > 1024))');
  });

  it('names non-constraint filters and their fix', () => {
    const s = groupSentences('g', { NodesEvaluated: 2, NodesFiltered: 2, ConstraintFiltered: { 'missing drivers': 2 } });
    expect(s.join('\n')).toContain('missing drivers (2 nodes); fix: use a task driver the clients have enabled');
  });

  it('builds a block with the blocked evaluation note', () => {
    const block = placementBlock({ ID: 'aaaaaaaa-1111', FailedTGAllocs: WIN_FAILURE, BlockedEval: 'bbbbbbbb-2222' });
    expect(block).toContain('blocked evaluation bbbbbbbb');
    expect(placementBlock({ ID: 'x', FailedTGAllocs: null })).toBe('');
  });
});

describe('redaction', () => {
  it('redacts the secrets the simulator writes', () => {
    const lines = [
      '2024-01-01T00:00:00Z DEBUG db connect params host=db.internal DB_PASSWORD=hunter2',
      '2024-01-01T00:00:01Z DEBUG proxy headers Authorization: Bearer abc.def.ghi',
      '2024-01-01T00:00:02Z DEBUG s3 sync with AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
    ].join('\n');
    const r = redact(lines);
    expect(r.text).not.toContain('hunter2');
    expect(r.text).not.toContain('abc.def.ghi');
    expect(r.text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(r.text).toContain('DB_PASSWORD=[REDACTED]');
    expect(r.text).toContain('Authorization: Bearer [REDACTED]');
    expect(r.count).toBe(3);
  });

  it('handles common forms', () => {
    const cases: [string, string][] = [
      ['TOKEN=abc123', 'TOKEN=[REDACTED]'],
      ['export GITHUB_TOKEN=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'export GITHUB_TOKEN=[REDACTED]'],
      ['password: s3cr3t!', 'password: [REDACTED]'],
      ['{"password": "x y z", "user": "bob"}', '{"password": "[REDACTED]", "user": "bob"}'],
      ['SECRET=foo other=bar', 'SECRET=[REDACTED] other=bar'],
      ['key AKIAABCDEFGHIJKLMNOP here', 'key [REDACTED] here'],
      ['curl -H "authorization: Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"', 'curl -H "authorization: Bearer [REDACTED]"'],
      ['sent bearer token Bearer abcdef123456', 'sent bearer token Bearer [REDACTED]'],
      ['postgres://app:pa55word@db:5432/x', 'postgres://app:[REDACTED]@db:5432/x'],
      ['x-api-key: 1234abcd', 'x-api-key: [REDACTED]'],
    ];
    for (const [input, want] of cases) expect(redact(input).text).toBe(want);
  });

  it('redacts private key blocks, even unterminated ones', () => {
    const pem = 'before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\nafter';
    const r = redact(pem);
    expect(r.text).toBe('before\n-----BEGIN RSA PRIVATE KEY----- [REDACTED] -----END RSA PRIVATE KEY-----\nafter');
    expect(redact('-----BEGIN PRIVATE KEY-----\nMIIE').text).not.toContain('MIIE');
  });

  it('leaves ordinary lines alone', () => {
    const line = 'INFO request 0000123 GET /api/items served in 12ms status=200 passwordless=false?';
    expect(redact('INFO request 0000123 GET /api/items served in 12ms status=200').count).toBe(0);
    expect(redact(line).text).toContain('request 0000123');
  });
});

describe('log frame decoder', () => {
  const frames = [
    { Offset: 11, Data: Buffer.from('hello\nwörld').toString('base64'), File: 'alloc/logs/web.stdout.0' },
    {},
    { Offset: 20, Data: Buffer.from(' {braces} "q"\n').toString('base64'), File: 'alloc/logs/web.stdout.0' },
    { FileEvent: 'file truncated', File: 'alloc/logs/web.stdout.0' },
    { Offset: 3, Data: Buffer.from('new').toString('base64'), File: 'alloc/logs/web.stdout.1' },
  ];
  const wire = Buffer.from(frames.map((f) => JSON.stringify(f)).join(''));

  function decodeIn(chunks: Buffer[], heartbeats = false) {
    const d = new FrameDecoder({ heartbeats });
    const out = chunks.flatMap((c) => d.push(c));
    d.end();
    return out;
  }

  it('decodes a whole buffer', () => {
    const out = decodeIn([wire]);
    expect(out).toHaveLength(4);
    expect(out[0].data.toString()).toBe('hello\nwörld');
    expect(out[0].offset).toBe(11);
    expect(out[2].fileEvent).toBe('file truncated');
    expect(out[3].file).toBe('alloc/logs/web.stdout.1');
  });

  it('gives the same frames for every split position and byte-by-byte', () => {
    const whole = decodeIn([wire], true).map((f) => ({ ...f, data: f.data.toString('hex') }));
    expect(whole).toHaveLength(5);
    expect(whole[1].heartbeat).toBe(true);
    for (let i = 1; i < wire.length; i++) {
      const got = decodeIn([wire.subarray(0, i), wire.subarray(i)], true).map((f) => ({ ...f, data: f.data.toString('hex') }));
      expect(got).toEqual(whole);
    }
    const bytes = Array.from({ length: wire.length }, (_, i) => wire.subarray(i, i + 1));
    expect(decodeIn(bytes, true).map((f) => ({ ...f, data: f.data.toString('hex') }))).toEqual(whole);
  });

  it('survives callers reusing their chunk buffer', () => {
    const d = new FrameDecoder();
    const scratch = Buffer.alloc(7);
    const out = [];
    for (let i = 0; i < wire.length; i += 7) {
      const n = wire.copy(scratch, 0, i, Math.min(i + 7, wire.length));
      out.push(...d.push(scratch.subarray(0, n)));
      scratch.fill(0x41);
    }
    expect(out.map((f) => f.data.toString())).toEqual(['hello\nwörld', ' {braces} "q"\n', '', 'new']);
  });

  it('reassembles text split inside a multi-byte character across frames', () => {
    const bytes = Buffer.from('ä€');
    const a = JSON.stringify({ Offset: 2, Data: bytes.subarray(0, 2 + 1).toString('base64') });
    const b = JSON.stringify({ Offset: 5, Data: bytes.subarray(3).toString('base64') });
    const d = new FrameDecoder();
    const t = new FrameText();
    const text = [...d.push(a), ...d.push(b)].map((f) => t.write(f)).join('') + t.end();
    expect(text).toBe('ä€');
  });

  it('reports a stream that ends inside a frame, and garbage between frames', () => {
    const d = new FrameDecoder();
    d.push('{"Offset":1,"Da');
    expect(d.idle).toBe(false);
    expect(() => d.end()).toThrow(/ended inside a frame/);
    expect(() => new FrameDecoder().push('x{}')).toThrow(/unexpected byte/);
    expect(() => new FrameDecoder({ maxFrameBytes: 10 }).push('{"Data":"aaaaaaaaaaaaaaaa')).toThrow(/larger than/);
  });
});

describe('tail line selection', () => {
  const log = Buffer.from('l1\nl2\nl3\nl4\nl5\n');

  it('selects the last n lines', () => {
    expect(selectTail(log, 2, true)).toEqual({ text: 'l4\nl5', lines: 2, partialFirst: false });
    expect(selectTail(log, 5, true).text).toBe('l1\nl2\nl3\nl4\nl5');
    expect(selectTail(log, 9, true).lines).toBe(5);
  });

  it('drops the cut first line of a window that does not start at the file start', () => {
    const window = Buffer.from('2\nl3\nl4\nl5\n');
    expect(selectTail(window, 9, false)).toEqual({ text: 'l3\nl4\nl5', lines: 3, partialFirst: false });
    expect(selectTail(window, 2, false).text).toBe('l4\nl5');
  });

  it('handles a last line without newline, CRLF, empty and one-line windows', () => {
    expect(selectTail(Buffer.from('a\nb\nc'), 2, true).text).toBe('b\nc');
    expect(selectTail(Buffer.from('a\r\nb\r\n'), 5, true).text).toBe('a\nb');
    expect(selectTail(Buffer.alloc(0), 5, true)).toEqual({ text: '', lines: 0, partialFirst: false });
    expect(selectTail(Buffer.from('xxxxxxxx'), 5, false)).toEqual({ text: 'xxxxxxxx', lines: 1, partialFirst: true });
  });

  it('caps from the end with a marker', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${String(i).padStart(3, '0')}`).join('\n');
    const c = capTail(text, 100, 100);
    expect(c.truncated).toBe(true);
    expect(c.text.startsWith('… [truncated: showing the last')).toBe(true);
    expect(c.text.endsWith('line 099')).toBe(true);
    const body = c.text.split('\n').slice(1);
    expect(body[0]).toMatch(/^line \d{3}$/);
    expect(Buffer.byteLength(body.join('\n'))).toBeLessThanOrEqual(100);
    expect(capTail('short', 100, 1)).toEqual({ text: 'short', truncated: false, lines: 1 });
  });

  it('counts newlines and sizes the first window', () => {
    expect(countNewlines(log)).toBe(5);
    expect(initialWindow(10, 1_000_000)).toBe(8192);
    expect(initialWindow(1000, 1_000_000)).toBe(160_000);
    expect(initialWindow(5000, 262_144)).toBe(262_144);
  });
});

describe('allocation prefixes', () => {
  const list = [
    { ID: '1234abcd-0000-4000-8000-000000000001', JobID: 'web', TaskGroup: 'web', ClientStatus: 'running', DesiredStatus: 'run', CreateIndex: 10 },
    { ID: '1234abff-0000-4000-8000-000000000002', JobID: 'web', TaskGroup: 'web', ClientStatus: 'complete', DesiredStatus: 'stop', CreateIndex: 20 },
    { ID: '9999aaaa-0000-4000-8000-000000000003', JobID: 'api', TaskGroup: 'api', ClientStatus: 'failed', DesiredStatus: 'run', CreateIndex: 30 },
  ];

  it('resolves a unique prefix and refuses ambiguous or unknown ones', () => {
    expect(matchPrefix('1234abc', list).ID).toBe(list[0].ID);
    expect(() => matchPrefix('1234ab', list)).toThrow(/matches 2 allocations[\s\S]*1234abcd[\s\S]*1234abff/);
    expect(() => matchPrefix('ffff', list, 'default')).toThrow('no allocation with ID prefix "ffff" in namespace "default"');
    expect(matchPrefix(list[1].ID, list).ID).toBe(list[1].ID);
  });

  it('normalises and validates input', () => {
    expect(normaliseAllocId(' 1234ABCD ')).toBe('1234abcd');
    expect(() => normaliseAllocId('web-1')).toThrow(/not an allocation ID/);
  });

  it('picks the newest running allocation, else the newest', () => {
    expect(pickAllocation(list)?.ID).toBe(list[0].ID);
    expect(pickAllocation(list.slice(1))?.ID).toBe(list[2].ID);
    expect(pickAllocation([])).toBeUndefined();
    expect(runningAllocations(list).map((a) => a.ID)).toEqual([list[0].ID]);
  });
});

describe('formatting and registration helpers', () => {
  it('formats ids and times', () => {
    expect(short('1234abcd-5678')).toBe('1234abcd');
    expect(iso(1_700_000_000_000_000_000)).toBe('2023-11-14T22:13:20Z');
    expect(iso('0001-01-01T00:00:00Z')).toBe('-');
    expect(age(Date.now() * 1e6 - 3_700e9)).toBe('1h1m');
  });

  it('unwraps jobs and requires an ID', () => {
    expect(unwrapJob({ Job: { ID: 'a' } }).ID).toBe('a');
    expect(unwrapJob({ ID: 'b', Job: 'x' }).ID).toBe('b');
    expect(() => unwrapJob({ Name: 'x' })).toThrow(/has no ID/);
    expect(() => unwrapJob({ id: 'x' })).toThrow(/capitalised/);
    expect(() => unwrapJob([1])).toThrow(/must be a JSON object/);
  });

  it('cleans Nomad messages and warnings', () => {
    expect(nomadMessage(new Error('Nomad 400: Failed to parse job: input.hcl:3,1-2: x (PUT /v1/jobs/parse)'))).toBe('Failed to parse job: input.hcl:3,1-2: x');
    expect(warningLines('1 warning occurred:\n\n* Group "web" has warnings\n')).toEqual(['Group "web" has warnings']);
    expect(warningLines('')).toEqual([]);
  });

  it('writes HCL variable files', () => {
    expect(hclVariables({ image: 'nginx:1.27', count: 3, debug: true })).toBe('image = "nginx:1.27"\ncount = 3\ndebug = true\n');
    expect(hclVariables({ t: 'a ${b} %{c} "q" \\ \n' })).toBe('t = "a $${b} %%{c} \\"q\\" \\\\ \\n"\n');
    expect(hclVariables({ t: 'C:\\bin\b' })).toBe('t = "C:\\\\bin\\u0008"\n');
    expect(hclVariables(undefined)).toBe('');
    expect(() => hclVariables({ 'bad name': 'x' })).toThrow(/not a valid HCL variable name/);
  });

  it('builds config items', () => {
    expect(
      configItems({ name: 'n', job_id: 'web', repository: '', description: 'the web', namespace: 'default', team: 'ops', replicas: 2, on: false }, 'default'),
    ).toEqual({ job_id: 'web', namespace: 'default', description: 'the web', team: 'ops', replicas: '2', on: 'false' });
    expect(configItems({ name: 'n', job_id: 'api', job_namespace: 'staging' }, 'default').namespace).toBe('staging');
  });
});

describe('plan diff', () => {
  it('lists changed fields with context and group updates', () => {
    const diff = {
      Type: 'Edited',
      Fields: [{ Type: 'Edited', Name: 'Priority', Old: '50', New: '60' }],
      Objects: [],
      TaskGroups: [
        {
          Type: 'Edited',
          Name: 'web',
          Fields: [{ Type: 'Edited', Name: 'Count', Old: '2', New: '3' }],
          Tasks: [
            {
              Type: 'Edited',
              Name: 'server',
              Annotations: ['forces create/destroy update'],
              Objects: [{ Type: 'Edited', Name: 'Config', Fields: [{ Type: 'Edited', Name: 'image', Old: 'nginx:1.26', New: 'nginx:1.27' }, { Type: 'None', Name: 'x', Old: '1', New: '1' }] }],
            },
            { Type: 'Added', Name: 'sidecar' },
          ],
        },
        { Type: 'None', Name: 'other' },
      ],
    };
    expect(diffChanges(diff)).toEqual([
      'Priority: 50 → 60',
      'group web: Count: 2 → 3',
      'group web task server: Config.image: nginx:1.26 → nginx:1.27',
      'group web task server: forces create/destroy update',
      'group web task sidecar: added',
    ]);
    expect(groupUpdates({ web: { Place: 1, DestructiveUpdate: 2, Ignore: 0 }, db: {} })).toEqual(['db: no change', 'web: 1 place, 2 destructive update']);
  });
});

describe('verdict', () => {
  const t0 = { running: 0, starting: 0, queued: 0, failed: 0, complete: 0, lost: 0 };
  it('summarises the common cases', () => {
    expect(verdict({ job: { ID: 'web', Type: 'service', Status: 'running', Version: 1 }, t: { ...t0, running: 2 }, desired: 2, deployment: null, placementFailed: false })).toBe(
      'healthy: 2/2 running',
    );
    expect(verdict({ job: { ID: 'w', Type: 'service', Status: 'pending' }, t: { ...t0, queued: 1 }, desired: 1, deployment: null, placementFailed: true })).toBe(
      'pending: 1 queued, placement failed — see below',
    );
    expect(verdict({ job: { ID: 'w', Type: 'service', Stop: true }, t: t0, desired: 1, deployment: null, placementFailed: false })).toMatch(/^stopped/);
    expect(verdict({ job: { ID: 'b', Type: 'batch', Status: 'dead' }, t: { ...t0, complete: 1 }, desired: 1, deployment: null, placementFailed: false })).toBe(
      'complete: 1 allocation(s) finished',
    );
    expect(verdict({ job: { ID: 'w', Type: 'service', Version: 2 }, t: { ...t0, running: 1, failed: 1 }, desired: 2, deployment: null, placementFailed: false })).toBe(
      'degraded: 1/2 running, 1 failed',
    );
  });
});
