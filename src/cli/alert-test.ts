/**
 * `timecloud alert test --channel NAME`: sends one test message through a configured channel and
 * says what came of it, so a key or secret can be checked before a job fails at night.
 */
import { loadAlertsConfig } from '../alerts/alert-config.js';
import { testContent } from '../alerts/alert-message.js';
import { createChannel } from '../alerts/channels/create-channel.js';
import { resolveRecipients } from '../alerts/recipients.js';
import { systemClock, type Clock } from '../clock.js';
import type { NodeConfig } from '../config/node-config.js';

export interface AlertTestInput {
  config: NodeConfig;
  channel: string;
  /** Maintainers to mention or address, as a job would list them. */
  to?: string[];
  /** @defaultValue process.env */
  env?: Record<string, string | undefined>;
  print(line: string): void;
  clock?: Clock;
}

/** @returns the exit code: 0 delivered, 1 not */
export async function runAlertTest(input: AlertTestInput): Promise<number> {
  const { config, print } = input;
  const clock = input.clock ?? systemClock;
  const alerts = loadAlertsConfig(config.alerts, {
    env: input.env ?? process.env,
    label: config.configFile ? `${config.configFile}: alerts` : 'alerts',
  });
  const channelConfig = alerts.channels[input.channel];
  if (!channelConfig) {
    const names = Object.keys(alerts.channels);
    print(`no alert channel named "${input.channel}" — ${names.length ? `channels are ${names.join(', ')}` : 'no channels are configured (alerts.channels in --config, or TIMECLOUD_WECOM_WEBHOOK)'}`);
    return 1;
  }
  const channel = createChannel(channelConfig, { clock, timeoutMs: alerts.delivery.timeout });
  const context = { ...(alerts.dashboardUrl ? { dashboardUrl: alerts.dashboardUrl } : {}), ...(alerts.timezone ? { timezone: alerts.timezone } : {}) };
  const content = testContent(channel.name, new Date(clock.now()).toISOString(), context);
  const recipients = resolveRecipients(input.to ?? [], alerts.users);
  const result = await channel.send({ content, recipients });
  const label = `"${channel.name}" (${channel.type})`;
  if (result.ok) {
    print(`sent a test message on ${label}${recipients.wecom.length ? ` to ${recipients.wecom.join(', ')}` : ''}`);
    if (result.invalidUsers?.length) print(`WeCom does not know: ${result.invalidUsers.join(', ')}`);
    return 0;
  }
  const kind = 'permanent' in result ? 'retrying will not help' : 'temporary: try again';
  print(`${label} did not take the test message: ${result.message} (${kind})`);
  return 1;
}
