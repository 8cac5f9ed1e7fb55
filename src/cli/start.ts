/**
 * `timecloud start`: runs a node until SIGINT or SIGTERM, then stops it cleanly (running jobs get
 * the SIGUSR2 ladder, their retries are recorded, the lease is released for a standby).
 */
import type { NodeConfig } from '../config/node-config.js';
import { TOKEN_ENV } from '../http/auth.js';
import { createLogger } from '../log.js';
import { startNode } from '../main.js';

export async function runStart(config: NodeConfig): Promise<void> {
  const log = createLogger({ level: config.logLevel });
  const node = await startNode({ config, log, token: process.env[TOKEN_ENV] });
  const role = node.lease.isLeader ? 'leader' : 'standby';
  log.info(
    { nodeId: node.nodeId, role, jobsFolder: config.jobs, store: node.store.description, slots: config.slots, url: node.http.url },
    'timecloud node started',
  );
  if (node.http.generatedToken) {
    // Printed once, to the terminal only: never through the logger.
    process.stderr.write(
      `\ntimecloud: generated the admin token (kept in ${config.data}/token; set ${TOKEN_ENV} to choose your own):\n\n  ${node.http.generatedToken}\n\n` +
        `Dashboard: ${node.http.url}/\n\n`,
    );
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting without waiting for running jobs');
      process.exit(130);
    }
    log.info({ signal }, 'stopping: running jobs get SIGUSR2 and their grace');
    node.stop().then(
      () => {
        log.info('timecloud node stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'could not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
