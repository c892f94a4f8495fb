#!/usr/bin/env node
// The qpuc command. The CLI is written in TypeScript; the load hook transpiles it on the fly.
import { register } from 'node:module';
register('./ts-hooks.js', import.meta.url);
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
