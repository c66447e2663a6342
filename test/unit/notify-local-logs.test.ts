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

/** How many error lines the notices counted, per file name they gave. */
const counted = (notices: Notice[]) => {
  const by: Record<string, number> = {};
  for (const n of notices) {
    const m = /^(?:(\d+) new errors|New error) in (.+)$/.exec(n.title);
    if (m) by[m[2]!] = (by[m[2]!] ?? 0) + Number(m[1] ?? 1);
  }
  return by;
};

describe('LocalLogWatch follows files by identity and position (each error line once)', () => {
  it('rotation by rename to a name the glob also matches: nothing already notified comes again', () => {
    const t = setup();
    const rotated = path.join(t.dir, 'logs', 'api__2025-01-01.log');
    fs.writeFileSync(t.log, 'INFO start\n');
    t.watch.poll();
    fs.appendFileSync(t.log, 'ERROR one\n');
    t.watch.poll();
    expect(counted(t.notices)).toEqual({ 'logs/api.log': 1 });
    fs.renameSync(t.log, rotated);
    // The writer still holds the old file: its last line lands after the rename.
    fs.appendFileSync(rotated, 'ERROR two, written to the renamed file\n');
    fs.writeFileSync(t.log, 'ERROR three, first of the new file\n');
    t.watch.poll();
    fs.appendFileSync(t.log, 'ERROR four\n');
    t.watch.poll();
    t.watch.poll();
    // The renamed file is the same file (same inode): it goes on under the name it was followed as.
    expect(counted(t.notices)).toEqual({ 'logs/api.log': 4 });
    const bodies = t.notices.map((n) => n.body.replace(/.*first: /, ''));
    expect(bodies).toEqual(['ERROR one', 'ERROR two, written to the renamed file', 'ERROR four']);
    t.watch.close();
  });

  it('truncated and written again past its old size before the next poll: every new line is read', () => {
    const t = setup();
    fs.writeFileSync(t.log, 'INFO start\nINFO more\n');
    t.watch.poll();
    // copytruncate to a name the glob does not match, then a burst larger than the old file
    fs.copyFileSync(t.log, `${t.log}.1`);
    fs.truncateSync(t.log, 0);
    fs.appendFileSync(t.log, [1, 2, 3, 4, 5].map((i) => `ERROR burst ${i}\n`).join(''));
    t.watch.poll();
    t.watch.poll();
    expect(counted(t.notices)).toEqual({ 'logs/api.log': 5 });
    expect(t.notices[0]!.body).toContain('first: ERROR burst 1');
    t.watch.close();
  });

  it('copytruncate to a name the glob matches: the copy goes on where the original was, the burst is read', () => {
    const t = setup();
    const copy = path.join(t.dir, 'logs', 'api__2025-01-01.log');
    fs.writeFileSync(t.log, '2025-01-01T00:00:00 INFO started\n');
    t.watch.poll();
    fs.appendFileSync(t.log, '2025-01-01T00:00:01 ERROR before the copy\n');
    t.watch.poll();
    fs.appendFileSync(t.log, '2025-01-01T00:00:02 ERROR not read yet when copied\n');
    fs.copyFileSync(t.log, copy);
    fs.truncateSync(t.log, 0);
    fs.appendFileSync(
      t.log,
      [1, 2, 3, 4, 5].map((i) => `2025-01-01T00:00:0${2 + i} ERROR burst ${i}\n`).join(''),
    );
    t.watch.poll();
    t.watch.poll();
    expect(counted(t.notices)).toEqual({ 'logs/api.log': 6, 'logs/api__2025-01-01.log': 1 });
    const all = t.notices.map((n) => n.body).join('\n');
    expect(all).toContain('first: 2025-01-01T00:00:02 ERROR not read yet when copied');
    expect(all).not.toMatch(/api__2025-01-01.log — first: .*before the copy/);
    t.watch.close();
  });

  it("a new file whose first line is the old one's banner is a new file, read from its start", () => {
    const t = setup();
    fs.writeFileSync(t.log, '=== api server log ===\nINFO up\n');
    t.watch.poll();
    fs.renameSync(t.log, `${t.log}.1`);
    fs.writeFileSync(t.log, '=== api server log ===\nERROR on the first line after the banner\n');
    t.watch.poll();
    t.watch.poll();
    expect(counted(t.notices)).toEqual({ 'logs/api.log': 1 });
    t.watch.close();
  });

  it('each log has its own window (`window:` in offload.yml)', () => {
    const t = setup();
    let clock = 0;
    const watch = new LocalLogWatch({
      dir: t.dir,
      logs: [{ path: 'logs/*.log', windowMs: 5_000 }],
      notifier: (() => {
        const n = new Notifier({ dedupeMs: 0 });
        n.subscribe((x) => t.notices.push(x));
        return n;
      })(),
      now: () => clock,
    });
    fs.writeFileSync(t.log, '');
    watch.poll();
    fs.appendFileSync(t.log, 'ERROR a\n');
    watch.poll();
    fs.appendFileSync(t.log, 'ERROR b\n');
    clock += 4_000;
    watch.poll();
    expect(t.notices).toHaveLength(1);
    clock += 1_000;
    watch.poll();
    expect(t.notices.map((n) => n.title)).toEqual(['New error in logs/api.log', 'New error in logs/api.log']);
    watch.close();
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
