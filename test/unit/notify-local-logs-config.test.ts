// `notify.local-logs[].window`: the batching window of a local log, configurable like a log group's, refused
// with file:line:col when it is not a duration.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';

const REAL = { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS };
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-local-logs-config-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

function write(notify: string): string {
  const dir = path.join(root, `p${++n}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'offload.yml');
  fs.writeFileSync(file, `phases:\n  local:\n    steps:\n      - run: make\nnotify:\n${notify}`);
  return file;
}

describe('notify.local-logs window', () => {
  it('is parsed per log (default 60 s)', () => {
    const config = loadConfig(
      write('  local-logs:\n    - { path: logs/*.log, window: 5s }\n    - { path: other.log }\n'),
      REAL,
    );
    expect(config.notify.localLogs).toEqual([
      { path: 'logs/*.log', windowMs: 5_000 },
      { path: 'other.log', windowMs: 60_000 },
    ]);
  });

  it('a window that is not a duration is refused at its line and column', () => {
    const file = write('  local-logs:\n    - path: app.log\n      window: soon\n');
    let err: unknown;
    try {
      loadConfig(file, REAL);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(
      `${file}:8:15: notify.local-logs[0].window: expected a duration like "30s", "5m", "1h", "1h30m" or a number of seconds, got a string ("soon")`,
    );
  });
});
