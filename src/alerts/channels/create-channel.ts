/** Builds the channel object for one configured channel. */
import type { Clock } from '../../clock.js';
import type { ChannelConfig } from '../alert-config.js';
import type { AlertChannel } from './channel.js';
import { WebhookChannel } from './webhook.channel.js';
import { WecomAppChannel } from './wecom-app.channel.js';
import { WecomRobotChannel } from './wecom-robot.channel.js';

export interface ChannelDeps {
  clock: Clock;
  /** Milliseconds one request may take. */
  timeoutMs: number;
}

export function createChannel(config: ChannelConfig, deps: ChannelDeps): AlertChannel {
  switch (config.type) {
    case 'wecom-robot':
      return new WecomRobotChannel(config, deps);
    case 'wecom-app':
      return new WecomAppChannel(config, deps);
    case 'webhook':
      return new WebhookChannel(config, deps);
  }
}
