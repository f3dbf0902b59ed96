import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { call, start } from './helpers.js';

const SPEC = `# web frontend
variable "image" {
  type    = string
  default = "nginx:1.27"
}

variable "replicas" {
  type    = number
  default = 2
}

locals {
  owner = "team-\${var.image == "" ? "none" : "web"}"
}

job "web" {
  datacenters = ["dc1"]
  // comment
  meta {
    owner = local.owner
  }

  constraint {
    attribute = "\${attr.kernel.name}"
    value     = "linux"
  }

  group "frontend" {
    count = var.replicas

    network {
      port "http" {
        to = 8080
      }
    }

    task "server" {
      driver = "docker"

      config {
        image = var.image
        ports = ["http"]
      }

      env {
        INDEX = "\${NOMAD_ALLOC_INDEX}"
      }

      template {
        data        = <<-EOT
          listen \${var.replicas};
          {{ env "NOMAD_PORT_http" }}
        EOT
        destination = "local/nginx.conf"
      }

      resources {
        cpu    = 500 /* MHz */
        memory = 256
      }
    }
  }
}
`;

describe('simulator: /v1/jobs/parse', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start();
  });
  afterAll(() => sim.close());

  it('parses a jobspec into api.Job', async () => {
    const r = await call(sim, 'POST', '/v1/jobs/parse', { JobHCL: SPEC });
    expect(r.status).toBe(200);
    const job = r.json;
    expect(job).toMatchObject({ ID: 'web', Name: 'web', Type: 'service', Datacenters: ['dc1'], Meta: { owner: 'team-web' }, Region: null, Priority: null });
    expect(job.Constraints).toEqual([{ LTarget: '${attr.kernel.name}', RTarget: 'linux', Operand: '=' }]);
    const tg = job.TaskGroups[0];
    expect(tg).toMatchObject({ Name: 'frontend', Count: 2 });
    expect(tg.Networks[0].DynamicPorts).toEqual([{ Label: 'http', Value: 0, To: 8080, HostNetwork: '' }]);
    const task = tg.Tasks[0];
    expect(task).toMatchObject({ Name: 'server', Driver: 'docker', Config: { image: 'nginx:1.27', ports: ['http'] }, Env: { INDEX: '${NOMAD_ALLOC_INDEX}' } });
    expect(task.Resources).toMatchObject({ CPU: 500, MemoryMB: 256 });
    expect(task.Templates[0]).toMatchObject({ DestPath: 'local/nginx.conf', EmbeddedTmpl: 'listen 2;\n{{ env "NOMAD_PORT_http" }}\n' });
    // nothing is registered by parse
    expect((await call(sim, 'GET', '/v1/job/web')).status).toBe(404);
  });

  it('applies variable overrides (HCL, key=value, or JSON)', async () => {
    const hcl = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: SPEC, Variables: 'image = "nginx:1.25"\nreplicas = 3\n' });
    expect(hcl.json.TaskGroups[0].Count).toBe(3);
    expect(hcl.json.TaskGroups[0].Tasks[0].Config.image).toBe('nginx:1.25');
    const kv = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: SPEC, Variables: 'image=caddy:2\nreplicas=4' });
    expect(kv.json.TaskGroups[0].Tasks[0].Config.image).toBe('caddy:2');
    expect(kv.json.TaskGroups[0].Count).toBe(4);
    const json = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: SPEC, Variables: { replicas: 5 } });
    expect(json.json.TaskGroups[0].Count).toBe(5);
  });

  it('fills defaults with Canonicalize', async () => {
    const r = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: SPEC, Canonicalize: true });
    expect(r.json).toMatchObject({ Region: 'global', Namespace: 'default', Priority: 50 });
    expect(r.json.TaskGroups[0].Tasks[0].KillTimeout).toBe(5_000_000_000);
  });

  it('reports syntax errors with line and column', async () => {
    const unclosed = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: 'job "x" {\n  group "g" {\n    count = 1\n' });
    expect(unclosed.status).toBe(400);
    expect(unclosed.text).toBe('Failed to parse job: input.hcl:2,13-14: Unclosed configuration block; There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.');
    const unknown = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: 'job "x" {\n  colour = "red"\n}\n' });
    expect(unknown.text).toBe('Failed to parse job: input.hcl:2,3-9: Unsupported argument; An argument named "colour" is not expected here.');
    const badBlock = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: 'job "x" {\n  group "g" {\n    tsak "t" {}\n  }\n}\n' });
    expect(badBlock.text).toBe('Failed to parse job: input.hcl:3,5-9: Unsupported block type; Blocks of type "tsak" are not expected here.');
    const badType = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: 'job "x" {\n  group "g" {\n    count = "many"\n  }\n}\n' });
    expect(badType.text).toBe('Failed to parse job: input.hcl:3,13-19: Incorrect attribute value type; Inappropriate value for attribute "count": a number is required.');
    const undeclared = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: 'job "x" {\n  datacenters = [var.dc]\n}\n' });
    expect(undeclared.text).toBe('Failed to parse job: input.hcl:2,21-24: Unsupported attribute; This object does not have an attribute named "dc".');
    const str = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: 'job "x" {\n  region = "oops\n}\n' });
    expect(str.text).toMatch(/^Failed to parse job: input\.hcl:2,12-\d+: Unterminated template string;/);
  });

  it('rejects an empty spec', async () => {
    const r = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: '' });
    expect([r.status, r.text]).toEqual([400, 'Job spec is empty']);
    expect((await call(sim, 'GET', '/v1/jobs/parse')).status).toBe(405);
  });

  it('round-trips: a parsed job can be registered', async () => {
    const parsed = await call(sim, 'PUT', '/v1/jobs/parse', { JobHCL: SPEC, Canonicalize: true });
    const reg = await call(sim, 'PUT', '/v1/jobs', { Job: parsed.json });
    expect(reg.status).toBe(200);
    expect((await call(sim, 'GET', '/v1/job/web/allocations')).json).toHaveLength(2);
  });
});
