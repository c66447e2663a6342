// Builds every target with esbuild: the CLI and the Electron main process (Node, CommonJS),
// the preload (one sandboxed CommonJS file) and the renderer (browser IIFE + static files).
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'node20' };

const results = await Promise.allSettled([
  build({
    ...common,
    entryPoints: { cli: 'main/cli/index.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    packages: 'external',
  }),
  build({
    ...common,
    entryPoints: { 'main/app/main': 'main/app/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    external: ['electron'],
  }),
  build({
    ...common,
    entryPoints: { 'preload/preload': 'preload/preload.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    external: ['electron'],
  }),
  build({
    ...common,
    entryPoints: { 'renderer/renderer': 'renderer/index.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
  }),
]);
// Build every target even if one fails, so one broken entry does not hide the others' errors.
const failed = results.filter((r) => r.status === 'rejected');
if (failed.length) process.exitCode = 1;
mkdirSync('dist/renderer', { recursive: true });
cpSync('renderer/index.html', 'dist/renderer/index.html');
cpSync('renderer/styles.css', 'dist/renderer/styles.css');
if (watch) console.log('built (watch mode not implemented; rerun npm run build)');
