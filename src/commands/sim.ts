import { Command, Flags } from '@oclif/core';
import { boolFlag } from '../cli/flags.js';

export default class Sim extends Command {
  static override summary = 'Run the Nomad API simulator (with a little Gitea beside it) for demos and tests';
  static override description =
    'Plays Nomad 1.9 from an in-memory cluster: jobs, scheduling, allocations, logs, deployments, variables, ACLs, the event stream, ' +
    'and /api/v1 Gitea repositories. Point NOMAD_ADDR at it. Runs until interrupted.';
  static override examples = [
    '<%= config.bin %> sim',
    '<%= config.bin %> sim --port 0 --seed empty',
    '<%= config.bin %> sim --acl-token secret-1 --acl-token secret-2',
    '<%= config.bin %> sim --extra-jobs 20000',
    '<%= config.bin %> sim --policy-file acl.yaml',
    '<%= config.bin %> sim --scenario restart-loop --scenario node-down',
  ];
  static override flags = {
    port: Flags.integer({ description: 'Port to listen on (0 picks a free one)', default: 4646, min: 0, max: 65535 }),
    host: Flags.string({ description: 'Address to listen on', default: '127.0.0.1' }),
    seed: Flags.string({ description: 'Initial cluster state', options: ['demo', 'empty'], default: 'demo' }),
    'acl-token': Flags.string({ description: 'Require this token (X-Nomad-Token or Bearer); repeat for several', multiple: true }),
    scenario: Flags.string({
      description: 'Add a problem scenario on top of the seed (repeat for several): failing-checks, restart-loop, oom-kill, node-down, node-draining, canary-stuck, blocked-memory, volume-no-plugin, volume-claimed, rendered-template',
      multiple: true,
    }),
    'extra-jobs': Flags.integer({ description: 'Add this many finished batch jobs (bulk-00001…) for scale tests', default: 0, min: 0 }),
    'policy-file': Flags.string({
      description: 'Create the ACL policies, roles and tokens of this YAML, JSON or HCL file ({policies: {name: rules}, tokens: [{name, secret, policies, type}]}) and print the tokens',
    }),
    'no-leader': boolFlag({ description: 'Play a cluster without a leader (500 "No cluster leader" unless stale)', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Sim);
    const { startSimulator, scenarioNames } = await import('../sim/index.js');
    const unknown = (flags.scenario ?? []).filter((n) => !scenarioNames().includes(n));
    if (unknown.length > 0) this.error(`unknown scenario "${unknown[0]}"; the scenarios are: ${scenarioNames().join(', ')}`, { exit: 2 });
    let acl: import('../sim/index.js').AclSetup | undefined;
    if (flags['policy-file']) {
      const { readFile } = await import('node:fs/promises');
      const { readAclSetup } = await import('../sim/aclfile.js');
      const file = flags['policy-file'];
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        this.error(`cannot read ${file}: ${(e as Error).message}`, { exit: 2 });
      }
      try {
        acl = readAclSetup(text, file);
      } catch (e) {
        this.error((e as Error).message, { exit: 2 });
      }
      // Someone must be able to administer the cluster: without a management token, make one.
      if (!flags['acl-token']?.length && !acl.tokens?.some((t) => t.type === 'management')) {
        acl.tokens = [{ name: 'Bootstrap Token', type: 'management' }, ...(acl.tokens ?? [])];
      }
    }
    let sim: import('../sim/index.js').Simulator;
    try {
      sim = await startSimulator({
        host: flags.host,
        port: flags.port,
        seed: flags.seed as 'demo' | 'empty',
        aclTokens: flags['acl-token'],
        acl,
        extraJobs: flags['extra-jobs'],
        scenarios: flags.scenario,
      });
    } catch (e) {
      this.error((e as Error).message, { exit: 2 });
    }
    sim.faults.noLeader = flags['no-leader'];
    process.stderr.write(`nomad simulator listening on ${sim.url}\n`);
    for (const t of sim.createdTokens) {
      const what = t.Type === 'management' ? 'management' : `client, policies ${[...(t.Policies ?? []), ...(t.Roles ?? []).map((r) => `role ${r.Name}`)].join(', ')}`;
      process.stderr.write(`ACL token ${JSON.stringify(t.Name)} (${what}): ${t.SecretID}\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        // A second signal takes Node's default action and ends the process at once.
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // close() ends every stream, timer and connection of the simulator; give it a bounded
        // moment, since a connection that will not close must not hold the exit.
        const guard = setTimeout(resolve, 1000);
        guard.unref();
        void sim.close().then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    // Exit explicitly, as serve does: returning would leave the exit to whatever else still holds
    // the event loop (handles the simulator does not own, such as oclif's or stdout's).
    process.exit(0);
  }
}
