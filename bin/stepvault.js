#!/usr/bin/env node
// The `stepvault` command's entry point: prepares the process (bin/runtime.js: memory settings, the compile
// cache), then runs the command line.
import { prepareRuntime } from './runtime.js';

prepareRuntime();
await import('../src/cli/main.ts');
