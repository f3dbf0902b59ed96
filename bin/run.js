#!/usr/bin/env node
// oclif entry point: the command list comes from oclif.manifest.json (built by `npm run build`).
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
