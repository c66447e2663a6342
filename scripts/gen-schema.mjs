// `npm run schema`: writes offload.schema.json (the JSON Schema editors use for offload.yml) from the real
// registry of step kinds and config sections. Bundles a tiny TS entry with esbuild, runs it, formats with Prettier.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Inside node_modules so the bundle's external packages resolve from the project.
const tmpDir = fs.mkdtempSync(path.join(root, 'node_modules', '.offload-schema-'));
const outfile = path.join(tmpDir, 'gen-schema.cjs');
try {
  await build({
    entryPoints: [path.join(root, 'scripts/gen-schema-entry.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  const { schema } = createRequire(import.meta.url)(outfile);
  const target = path.join(root, 'offload.schema.json');
  const options = { ...(await prettier.resolveConfig(target)), filepath: target };
  fs.writeFileSync(target, await prettier.format(JSON.stringify(schema, null, 2), options));
  console.log(`wrote ${path.relative(process.cwd(), target) || target}`);
} finally {
  fs.rmSync(tmpDir, { recursive: true, force: true });
}
