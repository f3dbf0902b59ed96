import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { catalogMarkdown } from '../../src/cli/markdown.js';
import { loadCatalog } from '../../src/host/catalog.js';
import { BUILTIN_TOOLS_DIR, PACKAGE_ROOT } from '../../src/host/paths.js';
import { builtinPlugins } from '../../src/plugins/index.js';

it('docs/tools.md is the catalog (regenerate: nomad-mcp tools export --format markdown --allow-destructive --out docs/tools.md)', () => {
  const { tools } = loadCatalog([BUILTIN_TOOLS_DIR], { plugins: builtinPlugins(), upstreams: ['nomad', 'gitea'] });
  expect(readFileSync(path.join(PACKAGE_ROOT, 'docs', 'tools.md'), 'utf8')).toBe(catalogMarkdown(tools));
});
