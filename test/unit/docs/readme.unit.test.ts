import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeConfigTableMarkdown } from '../../../src/config/node-config.keys.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('shows the node settings table exactly as the loader defines it', () => {
    const section = /<!-- node-settings:start -->\n([\s\S]*?)<!-- node-settings:end -->/.exec(readme)?.[1];
    expect(section?.trim()).toBe(nodeConfigTableMarkdown().trim());
  });

  it('starts with the two commands a newcomer pastes', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock.split('\n').filter((line) => line.trim() && !line.startsWith('#'));
    expect(commands).toEqual(['npm ci && npm start', 'bash .ci/run']);
  });
});
