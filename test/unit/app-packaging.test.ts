/**
 * Packaging cannot run here (no Electron binary), so check what it would use: electron-builder.yml passes
 * electron-builder's own schema validation, has the targets, fuses and unpacked helpers the app needs, and
 * its `files` globs include every file the app loads at run time.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, test } from 'vitest';
import { allTrayIconFiles } from '../../main/app/tray-platform';

const ROOT = path.resolve(__dirname, '../..');
const require = createRequire(import.meta.url);
interface BuilderConfig {
  [key: string]: unknown;
  appId: string;
  productName: string;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
  mac: { target: string[]; icon: string };
}
const config = YAML.parse(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
};
// electron-builder's own validator (the function `electron-builder` runs before building).
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(c: unknown, log: { isEnabled: boolean; add(): void }): Promise<void>;
};
const minimatch = require('minimatch') as (p: string, g: string, o?: object) => boolean;
const quiet = { isEnabled: false, add() {} };

/** Whether electron-builder's `files` patterns include `rel` (later patterns win; `!` excludes). */
function included(rel: string, patterns: string[]): boolean {
  let inc = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (minimatch(rel, p.slice(1), { dot: true })) inc = false;
    } else if (minimatch(rel, p, { dot: true })) inc = true;
  }
  return inc;
}

/** Files the app loads at run time, derived from the sources that load them. */
function runtimeFiles(): string[] {
  const html = fs.readFileSync(path.join(ROOT, 'renderer/index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => `dist/renderer/${m[1]}`);
  const app = fs.readFileSync(path.join(ROOT, 'main/app/app.ts'), 'utf8');
  expect(app).toContain("path.join(opts.distDir, 'renderer', 'index.html')");
  expect(app).toContain("path.join(opts.distDir, 'preload', 'preload.js')");
  expect(app).toContain("path.join(electron.app.getAppPath(), 'resources', 'tray')");
  return [
    'package.json',
    pkg.main,
    'dist/preload/preload.js',
    'dist/renderer/index.html',
    ...refs,
    ...allTrayIconFiles().map((f) => `resources/tray/${f}`),
    config.linux.icon,
    config.win.icon,
    config.mac.icon,
  ];
}

describe('electron-builder.yml', () => {
  test('passes electron-builder schema validation, and a broken copy does not', async () => {
    await expect(validateConfiguration(structuredClone(config), quiet)).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...structuredClone(config), nsiss: {} }, quiet)).rejects.toThrow(
      /unknown property 'nsiss'/,
    );
    await expect(
      validateConfiguration({ ...structuredClone(config), electronFuses: { runAsNode: 'no' } }, quiet),
    ).rejects.toThrow(/electronFuses/);
  });

  test('app id, product name, targets per OS with existing icons', () => {
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    expect(config.productName).toBe('Offload');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    for (const icon of [config.linux.icon, config.win.icon, config.mac.icon]) {
      expect(fs.existsSync(path.join(ROOT, icon)), icon).toBe(true);
    }
    const png = fs.readFileSync(path.join(ROOT, config.mac.icon));
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // electron-builder needs >= 512 px for icns
  });

  test('fuses: Node modes off, asar-only with integrity, cookie encryption on', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
    // Each fuse carries a comment saying why.
    const text = fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8');
    const block = text.slice(text.indexOf('electronFuses:'), text.indexOf('\nlinux:'));
    const keys = block.split('\n').filter((l) => /^\s+\w+: (true|false)$/.test(l));
    const comments = block.split('\n').filter((l) => /^\s+#/.test(l));
    expect(keys.length).toBeGreaterThanOrEqual(6);
    expect(comments.length).toBe(keys.length);
  });

  test('node-notifier helper binaries are unpacked from the asar', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('node_modules/node-notifier/vendor/**');
    const vendor = path.join(ROOT, 'node_modules/node-notifier/vendor');
    const someHelper = fs.readdirSync(vendor)[0]!;
    expect(included(`node_modules/node-notifier/vendor/${someHelper}/x`, config.asarUnpack)).toBe(true);
  });

  test('every file the app loads at run time is included by `files`', () => {
    const files = runtimeFiles();
    expect(files).toContain('dist/renderer/renderer.js');
    expect(files).toContain('dist/renderer/styles.css');
    expect(files).toContain('dist/main/app/main.js');
    const missing = files.filter((f) => !included(f, config.files));
    expect(missing).toEqual([]);
    // And the check itself can say no: source maps and the CLI bundle are left out.
    expect(included('dist/main/app/main.js.map', config.files)).toBe(false);
    expect(included('test/e2e/app-standin.test.ts', config.files)).toBe(false);
    expect(included('dist/cli.cjs', config.files)).toBe(false);
    expect(included('dist/yaml.cjs', config.files)).toBe(false); // the CLI's lazy part
    expect(included('dist/cli-part-core-init.cjs', config.files)).toBe(false); // a part of the CLI
    // electron-builder never packs its buildResources folder: it must not be where run-time files live.
    const buildResources =
      (config.directories as { buildResources?: string } | undefined)?.buildResources ?? 'build';
    expect(files.filter((f) => f.startsWith(`${buildResources}/`))).toEqual([]);
  });

  test('npm scripts: dist packages with this file, check runs the Electronegativity scan', () => {
    expect(pkg.scripts.dist).toBe('npm run build && node scripts/dist.mjs');
    expect(fs.readFileSync(path.join(ROOT, 'scripts/dist.mjs'), 'utf8')).toContain(
      "'--config', 'electron-builder.yml'",
    );
    expect(pkg.scripts.check).toContain('npm run scan');
    expect(pkg.scripts.scan).toBe('node scripts/scan.mjs');
  });
});
