import { Command, Flags } from '@oclif/core';

export default class Sim extends Command {
  static override summary = 'Run the Nomad API simulator (with a little Gitea beside it) for demos and tests';
  static override description =
    'Plays Nomad 1.9 from an in-memory cluster: jobs, scheduling, allocations, logs, deployments, variables, ACLs, the event stream, ' +
    'and /api/v1 Gitea repositories. Point NOMAD_ADDR at it. Runs until interrupted.';
  static override examples = [
    '<%= config.bin %> sim',
    '<%= config.bin %> sim --port 0 --seed empty',
    '<%= config.bin %> sim --acl-token secret-1 --acl-token secret-2',
  ];
  static override flags = {
    port: Flags.integer({ description: 'Port to listen on (0 picks a free one)', default: 4646, min: 0, max: 65535 }),
    host: Flags.string({ description: 'Address to listen on', default: '127.0.0.1' }),
    seed: Flags.string({ description: 'Initial cluster state', options: ['demo', 'empty'], default: 'demo' }),
    'acl-token': Flags.string({ description: 'Require this token (X-Nomad-Token or Bearer); repeat for several', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Sim);
    const { startSimulator } = await import('../sim/index.js');
    const sim = await startSimulator({
      host: flags.host,
      port: flags.port,
      seed: flags.seed as 'demo' | 'empty',
      aclTokens: flags['acl-token'],
    });
    process.stderr.write(`nomad simulator listening on ${sim.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void sim.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  }
}
