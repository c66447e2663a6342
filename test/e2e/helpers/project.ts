/**
 * A throwaway project for the window tests: an offload.yml whose local phase runs real commands (one
 * passes, one fails), optionally watching a log group on the local AWS endpoint.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DemoProject {
  dir: string;
  dataDir: string;
  cleanup(): void;
}

/** The demo project's .env as written (the local target). */
export const DEMO_ENV = '# model backend for the dev tools\nMODEL_URL=http://127.0.0.1:11434\n';

/** Creates the project and a private data folder. `awsUrl` adds aws + notify sections for that endpoint. */
export function demoProject(
  o: { awsUrl?: string; logGroup?: string; slowMs?: number; switchEnv?: boolean } = {},
): DemoProject {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-app-'));
  const dir = path.join(root, 'project');
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dir);
  const pause = o.slowMs ? `node -e "setTimeout(() => console.log('built'), ${o.slowMs})"` : 'echo built';
  const lines = [
    'name: demo',
    'phases:',
    '  local:',
    '    steps:',
    '      - name: Build',
    `        run: ${JSON.stringify(`echo building && ${pause}`)}`,
    '      - name: Tests',
    '        run: "echo running tests && echo 2 failed >&2 && exit 1"',
  ];
  if (o.awsUrl) {
    lines.push(
      'aws:',
      '  region: us-east-1',
      `  endpoint: ${o.awsUrl}`,
      '  max-attempts: 1',
      '  timeout: 2s',
      'notify:',
      '  interval: 1s',
      '  log-groups:',
      `    - name: ${o.logGroup ?? '/ecs/inference-api'}`,
      '      window: 0s',
      'gate:',
      '  interval: 1s',
      '  policy: notify',
      '  services:',
      '    - cluster: dev',
      '      service: inference-api',
      '  alarms:',
      '    names: [inference-5xx]',
    );
  }
  if (o.awsUrl && o.switchEnv) {
    // `offload switch` / the window's switch buttons point MODEL_URL in .env at AWS or back.
    fs.writeFileSync(path.join(dir, '.env'), DEMO_ENV);
    lines.push(
      'switch:',
      '  files:',
      '    - path: .env',
      '      keys:',
      '        MODEL_URL:',
      `          aws: ${o.awsUrl}/v1`,
      '          local: http://127.0.0.1:11434',
    );
  }
  fs.writeFileSync(path.join(dir, 'offload.yml'), lines.join('\n') + '\n');
  return { dir, dataDir, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}
