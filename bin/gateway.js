#!/usr/bin/env node
// The `gateway` command: runs the TypeScript CLI through tsx, which the package depends on.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
