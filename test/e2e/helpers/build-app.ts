/**
 * Builds the app's three targets (main, preload, renderer) exactly as scripts/build.mjs does, into a private
 * folder inside the repo (so the main bundle resolves node_modules), for tests that must not depend on a
 * stale or concurrently rebuilt dist/.
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');

export interface BuiltApp {
  dist: string;
  main: string;
  preload: string;
  html: string;
  cleanup(): void;
}

/** Builds into .offload-test/app-<tag>-<pid>/dist. */
export async function buildApp(tag: string): Promise<BuiltApp> {
  const base = path.join(ROOT, '.offload-test', `app-${tag}-${process.pid}`);
  const dist = path.join(base, 'dist');
  fs.rmSync(base, { recursive: true, force: true });
  const common = {
    bundle: true,
    sourcemap: true,
    logLevel: 'error',
    target: 'node20',
    absWorkingDir: ROOT,
  } as const;
  await Promise.all([
    build({
      ...common,
      entryPoints: { 'main/app/main': 'main/app/main.ts' },
      outdir: dist,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      external: ['electron'],
    }),
    build({
      ...common,
      entryPoints: { 'preload/preload': 'preload/preload.ts' },
      outdir: dist,
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
    }),
    build({
      ...common,
      entryPoints: { 'renderer/renderer': 'renderer/index.ts' },
      outdir: dist,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
    }),
  ]);
  fs.copyFileSync(path.join(ROOT, 'renderer/index.html'), path.join(dist, 'renderer/index.html'));
  fs.copyFileSync(path.join(ROOT, 'renderer/styles.css'), path.join(dist, 'renderer/styles.css'));
  return {
    dist,
    main: path.join(dist, 'main/app/main.js'),
    preload: path.join(dist, 'preload/preload.js'),
    html: path.join(dist, 'renderer/index.html'),
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}
