// The local dev system's log files, followed like `tail -F` with real files: new lines only, one notice per
// burst, through rotation (the old file's rest first) and truncation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalLogWatch } from '../../main/core/notify/local-logs';
import { Notifier } from '../../main/core/notify/notifier';
import type { Notice } from '../../main/core/state';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(windowMs = 0) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-local-logs-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'logs'));
  const notices: Notice[] = [];
  const notifier = new Notifier({ dedupeMs: 0 });
  notifier.subscribe((n) => notices.push(n));
  let clock = 1_000_000;
  const watch = new LocalLogWatch({
    dir,
    logs: [{ path: 'logs/*.log' }],
    notifier,
    windowMs,
    now: () => clock,
  });
  return { dir, log: path.join(dir, 'logs', 'api.log'), notices, watch, tick: (ms: number) => (clock += ms) };
}

describe('LocalLogWatch', () => {
  it('ignores what was there before, then raises one notice per burst of new error lines', () => {
    const t = setup(60_000);
    fs.writeFileSync(t.log, 'ERROR from yesterday\n');
    t.watch.poll();
    expect(t.notices).toEqual([]);
    fs.appendFileSync(t.log, 'INFO ok\nERROR db connect failed\nTraceback (most recent call last):\n');
    t.watch.poll();
    expect(t.notices).toHaveLength(1);
    expect(t.notices[0]).toMatchObject({
      title: '2 new errors in logs/api.log',
      target: { item: 'local:logs/api.log' },
    });
    expect(t.notices[0]!.body).toContain('first: ERROR db connect failed');
    // Within the window: held and counted, delivered once the window has passed.
    fs.appendFileSync(t.log, 'ERROR again\n');
    t.watch.poll();
    expect(t.notices).toHaveLength(1);
    t.tick(61_000);
    t.watch.poll();
    expect(t.notices).toHaveLength(2);
    expect(t.notices[1]!.title).toBe('New error in logs/api.log');
    t.watch.close();
  });

  it('a line without its newline yet waits for the rest', () => {
    const t = setup();
    fs.writeFileSync(t.log, '');
    t.watch.poll();
    fs.appendFileSync(t.log, 'ERR');
    t.watch.poll();
    expect(t.notices).toEqual([]);
    fs.appendFileSync(t.log, 'OR half a line\n');
    t.watch.poll();
    expect(t.notices.map((n) => n.body)).toEqual([expect.stringContaining('first: ERROR half a line')]);
    t.watch.close();
  });

  it('rotation: the old file is finished, the new one followed from its start; truncation reads again', () => {
    const t = setup();
    fs.writeFileSync(t.log, 'INFO start\n');
    t.watch.poll();
    fs.renameSync(t.log, `${t.log}.1`);
    fs.appendFileSync(`${t.log}.1`, 'ERROR written just before the rotation\n');
    fs.writeFileSync(t.log, 'ERROR first line of the new file\n');
    t.watch.poll();
    expect(t.notices).toHaveLength(1);
    expect(t.notices[0]!.title).toBe('2 new errors in logs/api.log');
    expect(t.notices[0]!.body).toContain('first: ERROR written just before the rotation');

    fs.writeFileSync(t.log, ''); // truncated in place
    fs.appendFileSync(t.log, 'FATAL after truncation\n');
    t.watch.poll();
    expect(t.notices).toHaveLength(2);
    expect(t.notices[1]!.body).toContain('FATAL after truncation');
    t.watch.close();
  });
});

describe('LocalLogWatch with a command', () => {
  it("reads the command's output lines and ends it on close", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-local-cmd-'));
    dirs.push(dir);
    const notices: Notice[] = [];
    const notifier = new Notifier({ dedupeMs: 0 });
    notifier.subscribe((n) => notices.push(n));
    const nap = `3${Math.floor(Math.random() * 900) + 100}`;
    const command = `printf 'INFO up\\nERROR from the dev server\\n'; exec sleep ${nap}`;
    const watch = new LocalLogWatch({ dir, logs: [{ command }], notifier, windowMs: 0 });
    watch.poll(); // starts it
    for (let i = 0; i < 100 && notices.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      watch.poll();
    }
    expect(notices).toHaveLength(1);
    expect(notices[0]!.title).toBe(`New error in \`${command}\``);
    expect(notices[0]!.body).toContain('first: ERROR from the dev server');
    const sleeping = () =>
      fs.readdirSync('/proc').some((p) => {
        try {
          return /^\d+$/.test(p) && fs.readFileSync(`/proc/${p}/cmdline`, 'latin1') === `sleep\0${nap}\0`;
        } catch {
          return false;
        }
      });
    expect(sleeping()).toBe(true);
    watch.close();
    // The command's process tree ends with the watch.
    for (let i = 0; i < 60 && sleeping(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(sleeping()).toBe(false);
  });
});
