/**
 * The `timecloud` command: start, validate, history, status, alert test. Every node setting has a flag and a
 * `TIMECLOUD_*` variable (see `src/config/node-config.keys.ts`).
 */
import { Command, Option } from 'commander';
import { CONFIG_FILE_KEY, NODE_CONFIG_KEYS } from './config/node-config.keys.js';
import { loadNodeConfig, type NodeConfig } from './config/node-config.js';
import { validateReport } from './config/validate-report.js';
import { TimecloudError } from './errors.js';
import { eventToJson, eventToLine } from './cli/event-format.js';
import { historyEvents } from './cli/history.js';
import { printStatus, readStatus } from './cli/status.js';
import { openStore } from './store/open-store.js';

// `timecloud history | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command('timecloud')
  .description('A distributed, event-sourced cron scheduler for Node.js projects')
  .showHelpAfterError();

type Names = (typeof NODE_CONFIG_KEYS)[number]['name'];

/** Adds the node settings (all, or only `names`) as options, each naming its variable. */
function withSettings(command: Command, names?: Names[]): Command {
  for (const key of NODE_CONFIG_KEYS) {
    if (names && !names.includes(key.name)) continue;
    command.addOption(new Option(key.flag, `${key.description} [${key.env}; default ${key.default}]`));
  }
  command.addOption(new Option(CONFIG_FILE_KEY.flag, `${CONFIG_FILE_KEY.description} [${CONFIG_FILE_KEY.env}]`));
  return command;
}

function settings(flags: Record<string, unknown>): NodeConfig {
  return loadNodeConfig({ flags, env: process.env });
}

/** Runs a command body, printing timecloud errors as one line and exiting non-zero. */
function action<Args extends unknown[]>(body: (...args: Args) => Promise<void | number>) {
  return async (...args: Args) => {
    try {
      const code = await body(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (error) {
      const message = error instanceof TimecloudError ? error.message : (error as Error).stack ?? String(error);
      process.stderr.write(`timecloud: ${message}\n`);
      process.exitCode = error instanceof TimecloudError ? 2 : 1;
    }
  };
}

withSettings(program.command('start').description('start a node: scan the jobs folder, fire jobs, serve the dashboard')).action(
  action(async (flags: Record<string, unknown>) => {
    const { runStart } = await import('./cli/start.js');
    await runStart(settings(flags));
  }),
);

program
  .command('validate')
  .description('check timecloud.json files (or package/jobs folders) and print each job\'s next fire times')
  .argument('<paths...>', 'timecloud.json files, package folders or jobs folders')
  .option('-n, --count <n>', 'fire times to print per job', '5')
  .action(
    action(async (paths: string[], flags: { count: string }) => {
      const count = Number(flags.count);
      if (!Number.isInteger(count) || count < 1) throw new TimecloudError('VALIDATION', `--count: expected a positive integer, got "${flags.count}"`);
      const report = await validateReport({ paths, count });
      process.stdout.write(report.text.endsWith('\n') ? report.text : `${report.text}\n`);
      return report.ok ? 0 : 1;
    }),
  );

withSettings(
  program
    .command('history')
    .description('print the event trail: everything, one job, or one run')
    .option('--job <id>', 'only this job (package/name)')
    .option('--run <id>', 'only this run')
    .option('--logs', 'include run output (runlog streams)')
    .option('--renewals', 'include leader lease renewals')
    .option('--limit <n>', 'only the newest N events')
    .option('--json', 'one stored event per line as JSON'),
  ['data', 'store'],
).action(
  action(async (flags: Record<string, unknown>) => {
    const config = settings(pick(flags, ['data', 'store', 'config']));
    const limit = flags.limit === undefined ? undefined : Number(flags.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new TimecloudError('VALIDATION', `--limit: expected a positive integer, got "${String(flags.limit)}"`);
    }
    const store = await openStore(config.store);
    try {
      const query = { job: flags.job as string | undefined, run: flags.run as string | undefined, logs: flags.logs === true, renewals: flags.renewals === true, limit };
      for await (const event of historyEvents(store, query)) {
        process.stdout.write(`${flags.json ? eventToJson(event) : eventToLine(event)}\n`);
      }
    } finally {
      await store.close();
    }
  }),
);

withSettings(
  program
    .command('status')
    .description('print the leader, the jobs, the runs in progress, each job\'s last outcome and next fire time')
    .option('--json', 'the same as one JSON object'),
  ['data', 'store'],
).action(
  action(async (flags: Record<string, unknown>) => {
    const config = settings(pick(flags, ['data', 'store', 'config']));
    const store = await openStore(config.store);
    try {
      const report = await readStatus(store);
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printStatus(report, (line) => process.stdout.write(`${line}\n`));
    } finally {
      await store.close();
    }
  }),
);

const alert = program.command('alert').description('alert channels');
withSettings(
  alert
    .command('test')
    .description('send one test message through an alert channel; exit 1 when it is not delivered')
    .requiredOption('--channel <name>', 'a channel from alerts.channels in --config (or "default" for TIMECLOUD_WECOM_WEBHOOK)')
    .option('--to <maintainers>', 'comma-separated maintainers to mention, as a job would list them'),
  [],
).action(
  action(async (flags: Record<string, unknown>) => {
    const { runAlertTest } = await import('./cli/alert-test.js');
    const to = typeof flags.to === 'string' ? flags.to.split(',').map((name) => name.trim()).filter(Boolean) : [];
    return runAlertTest({
      config: settings(pick(flags, ['config'])),
      channel: String(flags.channel),
      to,
      print: (line) => process.stdout.write(`${line}\n`),
    });
  }),
);

const projections = program.command('projections').description("the dashboard's read models");
withSettings(
  projections
    .command('rebuild')
    .description('rebuild the projections from the whole event store and write their checkpoint (<data>/projections.checkpoint.json)'),
  ['data', 'store'],
).action(
  action(async (flags: Record<string, unknown>) => {
    const config = settings(pick(flags, ['data', 'store', 'config']));
    const { rebuildCheckpoint } = await import('./cli/projections.js');
    const store = await openStore(config.store);
    try {
      const report = await rebuildCheckpoint(store, config.data);
      process.stdout.write(`rebuilt from ${report.events} events in ${report.ms} ms: ${report.jobs} jobs, ${report.runs} runs kept; wrote ${report.file}\n`);
    } finally {
      await store.close();
    }
  }),
);

function pick(flags: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flags).filter(([name]) => names.includes(name)));
}

await program.parseAsync(process.argv);
