/**
 * Electron main-process entry (dist/main/app/main.js): starts the tray app over the core.
 */
import * as electron from 'electron';
import path from 'node:path';
import { startApp } from './app';

// dist/main/app/main.js -> dist/
startApp(electron, { distDir: path.resolve(__dirname, '..', '..') }).catch((err: unknown) => {
  console.error('offload: could not start:', err);
  electron.app.exit(1);
});
