#!/usr/bin/env node
// Thin launcher so `npx timecloud` works from the compiled output.
import '../dist/src/cli.js';
