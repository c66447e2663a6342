/**
 * Builds the app's three targets (main, preload, renderer) with scripts/build.mjs --app, into a private
 * folder inside the repo (so the main bundle resolves node_modules), for tests that must not depend on a
 * stale or concurrently rebuilt dist/.
 */
import { spawnSync } from 'node:child_process';
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
  // The real build script, app targets only, into a private folder.
  const r = spawnSync(process.execPath, ['scripts/build.mjs', '--app', '--outdir', dist], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`app build failed:\n${r.stdout}${r.stderr}`);
  return {
    dist,
    main: path.join(dist, 'main/app/main.js'),
    preload: path.join(dist, 'preload/preload.js'),
    html: path.join(dist, 'renderer/index.html'),
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}
