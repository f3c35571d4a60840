#!/usr/bin/env node
// The compiled `nhi` command (dist/nhi.js): the same command as bin/nhi.js, with no TypeScript at run time. The
// worker loads the workflow bundle `npm run build` wrote beside this file instead of bundling workflows/ at start.
import { fileURLToPath } from 'node:url';
import { main } from '../cli/main.ts';

process.env.NHI_WORKFLOW_BUNDLE ??= fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));
process.exitCode = await main(process.argv.slice(2));
