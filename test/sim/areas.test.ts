/**
 * The simulator's services, allocation filesystem, client node, node pool, volume and plugin
 * endpoints answer with Nomad's statuses and texts, in Nomad's order of checks (see the sources
 * cited in src/sim/services.ts, allocfs.ts, clientnode.ts, nodepools.ts, volumes.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, start } from './helpers.js';

const ADMIN = 'areas-admin';
const READER = 'areas-reader';
const NODES = 'areas-nodes';
const POOLS = 'areas-pools';

let sim: Simulator;
const as = (token: string) => ({ 'X-Nomad-Token': token });
const get = (path: string, token = ADMIN) => call(sim, 'GET', path, undefined, as(token));

beforeAll(async () => {
  sim = await start({
    seed: 'demo', scenarios: ['failing-checks', 'node-down', 'rendered-template', 'volume-no-plugin', 'volume-claimed'], aclTokens: [ADMIN],
    acl: {
      policies: {
        // policy read: read-job, csi-list-volume, csi-read-volume, host-volume-read (acl/policy.go expandNamespacePolicy); no read-fs
        reader: 'namespace "default" { policy = "read" }',
        nodes: 'node { policy = "read" }',
        pools: 'node_pool "def*" { policy = "read" }\nnode_pool "all" { policy = "deny" }',
      },
      tokens: [
        { name: 'reader', secret: READER, policies: ['reader'] },
        { name: 'nodes', secret: NODES, policies: ['nodes'] },
        { name: 'pools', secret: POOLS, policies: ['pools'] },
      ],
    },
  });
});
afterAll(() => sim?.close());

const allocOf = (job: string) => [...sim.state.allocs.values()].find((a) => a.JobID === job && a.ClientStatus === 'running')!;
const nodeNamed = (name: string) => [...sim.state.nodes.values()].find((n) => n.Name === name)!;

describe('services', () => {
  it('lists per namespace with the union of tags; "*" leaves out unreadable namespaces instead of refusing', async () => {
    expect((await get('/v1/services')).json).toEqual([{
      Namespace: 'default',
      Services: [{ ServiceName: 'checkout', Tags: [] }, { ServiceName: 'web', Tags: ['frontend', 'http'] }],
    }]);
    expect((await get('/v1/services?namespace=staging')).json).toEqual([]);
    expect((await get('/v1/services', NODES)).status).toBe(403);
    const all = await get('/v1/services?namespace=*', NODES);
    expect([all.status, all.json]).toEqual([200, []]);
  });

  it('GET /v1/service/<name>: the registrations, [] for an unknown name; Nomad\'s errors for bad paths and methods', async () => {
    const regs = (await get('/v1/service/checkout')).json as { ID: string; AllocID: string; Port: number }[];
    expect(regs).toHaveLength(2);
    for (const r of regs) expect(r.ID).toBe(`_nomad-task-${r.AllocID}-group-checkout-checkout-http`);
    expect((await get('/v1/service/nope')).json).toEqual([]);
    expect((await get('/v1/service/')).text).toBe('missing service name');
    expect((await get('/v1/service/a/b/c')).text).toBe('invalid URI');
    expect((await call(sim, 'PUT', '/v1/service/web', {}, as(ADMIN))).status).toBe(405);
    const denied = await get('/v1/service/web', NODES);
    expect([denied.status, denied.text]).toEqual([403, 'Permission denied']);
  });

  it('a stopped allocation\'s registration goes away', async () => {
    const a = allocOf('web');
    await call(sim, 'PUT', `/v1/allocation/${a.ID}/stop`, undefined, as(ADMIN));
    const regs = (await get('/v1/service/web')).json as { AllocID: string }[];
    expect(regs.map((r) => r.AllocID)).not.toContain(a.ID);
  });
});

describe('allocation filesystem', () => {
  const billing = () => allocOf('billing');

  it('ls: the allocation first (404), then read-fs (403), then the path (500 escape, 404 missing, 500 on a file)', async () => {
    const unknown = await get('/v1/client/fs/ls/00000000-0000-0000-0000-000000000000', READER);
    expect([unknown.status, unknown.text]).toEqual([404, 'Unknown allocation "00000000-0000-0000-0000-000000000000"']);
    expect((await get(`/v1/client/fs/ls/${billing().ID}`, READER)).status).toBe(403);
    const esc = await get(`/v1/client/fs/ls/${billing().ID}?path=../..`);
    expect([esc.status, esc.text]).toEqual([500, 'Path escapes the alloc directory']);
    // back into the same placeholder level is not an escape (escapingfs.PathEscapesAllocViaRelative)
    expect((await get(`/v1/client/fs/ls/${billing().ID}?path=app/../alloc`)).status).toBe(200);
    const missing = await get(`/v1/client/fs/ls/${billing().ID}?path=nope`);
    expect([missing.status, missing.text]).toEqual([404, `open /opt/nomad/data/alloc/${billing().ID}/nope: no such file or directory`]);
    const file = await get(`/v1/client/fs/ls/${billing().ID}?path=app/local/config.env`);
    expect([file.status, file.text]).toEqual([500, `readdirent /opt/nomad/data/alloc/${billing().ID}/app/local/config.env: not a directory`]);
    expect(((await get(`/v1/client/fs/ls/${billing().ID}?path=app`)).json as { Name: string }[]).map((e) => e.Name)).toEqual(['local', 'private', 'secrets', 'tmp']);
  });

  it('cat and readat: plain bytes; every Stat error is 400; offset is required by readat', async () => {
    const cat = await get(`/v1/client/fs/cat/${billing().ID}?path=app/local/config.env`);
    expect(cat.status).toBe(200);
    expect(cat.text).toMatch(/^DATABASE_URL=postgres:\/\/billing:/);
    const at = await get(`/v1/client/fs/readat/${billing().ID}?path=app/local/config.env&offset=13&limit=8`);
    expect(at.text).toBe('postgres');
    expect((await get(`/v1/client/fs/readat/${billing().ID}?path=app/local/config.env`)).text).toBe('error parsing offset: strconv.ParseInt: parsing "": invalid syntax');
    const dir = await get(`/v1/client/fs/cat/${billing().ID}?path=app/local`);
    expect([dir.status, dir.text]).toEqual([400, 'file "app/local" is a directory']);
    const esc = await get(`/v1/client/fs/cat/${billing().ID}?path=../../etc/passwd`);
    expect([esc.status, esc.text]).toEqual([400, 'Path escapes the alloc directory']);
    expect((await get(`/v1/client/fs/cat/${billing().ID}`)).text).toBe('must provide a file name');
    const stat = await get(`/v1/client/fs/stat/${billing().ID}?path=app/local/config.env`);
    expect(stat.json).toMatchObject({ Name: 'config.env', IsDir: false, Size: 184, ContentType: 'text/plain; charset=utf-8' });
  });
});

describe('client node reads', () => {
  it('node:read first, then the node: stats answer an unknown node 404, meta 500; a down node has no path', async () => {
    const id = nodeNamed('node-1').ID;
    expect((await get(`/v1/client/stats?node_id=${id}`, READER)).status).toBe(403);
    expect((await get(`/v1/client/stats?node_id=${id}`, NODES)).status).toBe(200);
    expect((await get('/v1/client/stats')).text).toBe('No local Node and node_id not provided');
    const s = await get('/v1/client/stats?node_id=nope');
    const m = await get('/v1/client/metadata?node_id=nope');
    expect([s.status, s.text, m.status, m.text]).toEqual([404, 'Unknown node nope', 500, 'Unknown node nope']);
    const down = await get(`/v1/client/metadata?node_id=${nodeNamed('node-4').ID}`);
    expect([down.status, down.text]).toEqual([404, 'No path to node']);
  });
});

describe('node pools', () => {
  it('the list leaves out pools the token may not read; a pool needs read before it is looked up', async () => {
    expect(((await get('/v1/node/pools')).json as { Name: string }[]).map((p) => p.Name)).toEqual(['all', 'default']);
    expect(((await get('/v1/node/pools', POOLS)).json as { Name: string }[]).map((p) => p.Name)).toEqual(['default']);
    expect((await get('/v1/node/pools', READER)).json).toEqual([]);
    expect((await get('/v1/node/pool/all', POOLS)).status).toBe(403);
    expect((await get('/v1/node/pool/nope', POOLS)).status).toBe(403);
    const missing = await get('/v1/node/pool/definitely-not');
    expect([missing.status, missing.text]).toEqual([404, 'node pool not found']);
  });
});

describe('volumes and plugins', () => {
  it('lists by type: none without type, 404 for an unknown one; csi needs a CSI or list-jobs capability; host filters', async () => {
    expect((await get('/v1/volumes')).json).toEqual([]);
    const other = await get('/v1/volumes?type=nfs');
    expect([other.status, other.text]).toEqual([404, 'resource not found']);
    expect((await get('/v1/volumes?type=csi', READER)).status).toBe(200);
    expect((await get('/v1/volumes?type=csi', NODES)).status).toBe(403);
    expect((await get('/v1/volumes?type=host', READER)).json).toHaveLength(1);
    expect((await get('/v1/volumes?type=host', NODES)).json).toEqual([]);
  });

  it('a volume whose plugin is gone reads unschedulable with no healthy plugins', async () => {
    const v = (await get('/v1/volume/csi/pg-data', READER)).json;
    expect(v).toMatchObject({ PluginID: 'ceph-csi', Schedulable: false, ControllersHealthy: 0, NodesHealthy: 0, ReadAllocs: {}, WriteAllocs: {} });
    expect((await get('/v1/volume/csi/nope')).text).toBe('volume not found');
    expect((await get('/v1/volume/csi/pg-data', NODES)).status).toBe(403);
  });

  it('plugins: list wants plugin list or read, a plugin read; [] without type', async () => {
    expect((await get('/v1/plugins')).json).toEqual([]);
    expect((await get('/v1/plugins?type=csi', READER)).status).toBe(403);
    expect((await get('/v1/plugin/csi/aws-ebs0', READER)).status).toBe(403);
    const missing = await get('/v1/plugin/csi/ceph-csi');
    expect([missing.status, missing.text]).toEqual([404, 'plugin not found']);
  });
});
