#!/usr/bin/env node
// Thin launcher so `npx egov <command>` runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli.ts');
