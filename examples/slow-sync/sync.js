#!/usr/bin/env node
// Takes longer than its 4 s timeout. On SIGUSR2 it writes a checkpoint and exits within the grace.
import { writeFileSync } from 'node:fs';

let copied = 0;
const timer = setInterval(() => {
  copied += 100;
  console.log(`sync: copied ${copied} records`);
}, 1000);

process.on('SIGUSR2', () => {
  clearInterval(timer);
  writeFileSync('.sync-checkpoint', `${copied}\n`);
  console.error(`sync: SIGUSR2 — checkpoint saved at ${copied} records, exiting`);
  process.exit(0);
});
