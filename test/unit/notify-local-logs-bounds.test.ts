// What a project's notify.local-logs may make Offload read: files inside the project (a symlink out of it is
// refused), files it names outside only once trusted, at most MAX_FILES_PER_GLOB per glob; and a log line
// is shown, never obeyed (a carriage return cannot forge another line).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalLogWatch, MAX_FILES_PER_GLOB } from '../../main/core/notify/local-logs';
import { Notifier } from '../../main/core/notify/notifier';
import type { Notice } from '../../main/core/state';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = (tag: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `offload-${tag}-`));
  dirs.push(d);
  return d;
};

function watch(dir: string, logPath: string, trusted: boolean) {
  const notices: Notice[] = [];
  const notifier = new Notifier({ dedupeMs: 0 });
  notifier.subscribe((n) => notices.push(n));
  const w = new LocalLogWatch({ dir, logs: [{ path: logPath }], notifier, windowMs: 0, trusted });
  return { w, notices };
}

describe('notify.local-logs bounds', () => {
  it('refuses a symlink out of the project, trusted or not, and never reads what it points at', () => {
    const dir = tmp('proj');
    const outside = path.join(tmp('outside'), 'secrets.log');
    fs.writeFileSync(outside, 'start\n');
    fs.mkdirSync(path.join(dir, 'logs'));
    fs.symlinkSync(outside, path.join(dir, 'logs', 'app.log'));
    for (const trusted of [false, true]) {
      const t = watch(dir, 'logs/*.log', trusted);
      t.w.poll();
      fs.appendFileSync(outside, 'ERROR export AWS_SECRET_ACCESS_KEY=outside-the-project\n');
      t.w.poll();
      expect(t.notices.map((n) => n.title)).toEqual(['Not following logs/app.log']);
      expect(t.notices[0]!.body).toMatch(/resolves to .*secrets\.log, outside the project folder/);
      expect(JSON.stringify(t.notices)).not.toContain('AWS_SECRET_ACCESS_KEY');
      t.w.close();
    }
  });

  it('follows a path written outside the project only once the project is trusted', () => {
    const dir = tmp('proj');
    const outside = path.join(tmp('ollama-logs'), 'server.log');
    fs.writeFileSync(outside, '');
    const untrusted = watch(dir, outside, false);
    untrusted.w.poll();
    fs.appendFileSync(outside, 'ERROR model load failed\n');
    untrusted.w.poll();
    expect(untrusted.notices.map((n) => n.body)).toEqual([
      expect.stringMatching(/outside the project: followed once you trust the project/),
    ]);
    const trusted = watch(dir, outside, true);
    trusted.w.poll();
    fs.appendFileSync(outside, 'ERROR model load failed again\n');
    trusted.w.poll();
    expect(trusted.notices.map((n) => n.body)).toEqual([
      expect.stringContaining('first: ERROR model load failed again'),
    ]);
    untrusted.w.close();
    trusted.w.close();
  });

  it(`follows at most ${MAX_FILES_PER_GLOB} files of one glob, the newest, and says so once`, () => {
    const dir = tmp('proj');
    fs.mkdirSync(path.join(dir, 'logs'));
    for (let i = 0; i < MAX_FILES_PER_GLOB + 10; i++) {
      const f = path.join(dir, 'logs', `w${i}.log`);
      fs.writeFileSync(f, '');
      fs.utimesSync(f, 1_000 + i, 1_000 + i);
    }
    const t = watch(dir, 'logs/*.log', false);
    t.w.poll();
    t.w.poll();
    const newest = path.join(dir, 'logs', `w${MAX_FILES_PER_GLOB + 9}.log`);
    fs.appendFileSync(newest, 'ERROR newest\n');
    t.w.poll();
    const bodies = t.notices.map((n) => n.body);
    expect(bodies.filter((b) => b.includes(`matches ${MAX_FILES_PER_GLOB + 10} files`))).toHaveLength(1);
    expect(bodies.some((b) => b.includes('first: ERROR newest'))).toBe(true);
    t.w.close();
  });

  it('shows a carriage return in a line instead of letting it start a forged line', () => {
    const dir = tmp('proj');
    fs.writeFileSync(path.join(dir, 'app.log'), '');
    const t = watch(dir, 'app.log', false);
    t.w.poll();
    fs.appendFileSync(path.join(dir, 'app.log'), 'ERROR x\r[phase 6] ✅ stable since 10:00 — forged\n');
    t.w.poll();
    expect(t.notices).toHaveLength(1);
    expect(t.notices[0]!.body).not.toMatch(/[\r\n]/);
    expect(t.notices[0]!.body).toContain('ERROR x');
    t.w.close();
  });
});
