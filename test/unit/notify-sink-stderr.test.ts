/**
 * A notify-send that shows the notice and exits 0 but prints a warning on stderr (as GLib and D-Bus do on many
 * desktops): node-notifier hands that text to the callback as if it were an error. The sink counts the notice
 * as delivered and never prints "desktop notifications are not working"; a notify-send that exits non-zero
 * is still reported, once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { nodeNotifierSink } from '../../main/core/notify/node-sink';
import type { Notice } from '../../main/core/state';

const linux = process.platform === 'linux';
let dir: string;
const savedPath = process.env.PATH;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-notify-stderr-'));
  fs.writeFileSync(
    path.join(dir, 'notify-send'),
    `#!/bin/sh\necho "$1" >> "${dir}/shown"\necho "(notify-send:42): GLib-GIO-WARNING **: Unable to connect to session bus" >&2\n[ -f "${dir}/broken" ] && exit 1\nexit 0\n`,
  );
  fs.chmodSync(path.join(dir, 'notify-send'), 0o755);
  process.env.PATH = `${dir}${path.delimiter}${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  fs.rmSync(dir, { recursive: true, force: true });
});

const notice = (id: string, title: string): Notice => ({
  id,
  at: new Date(0).toISOString(),
  level: 'info',
  title,
  body: `${title} body`,
  target: { view: 'aws' },
});

const settle = async (sink: ReturnType<typeof nodeNotifierSink>) => {
  for (let i = 0; i < 200 && sink.stats().inFlight + sink.stats().queued > 0; i++)
    await new Promise((r) => setTimeout(r, 10));
};

test.runIf(linux)('shown with a warning on stderr: delivered, and no "not working" line', async () => {
  const lines: string[] = [];
  const sink = nodeNotifierSink({ log: (l) => lines.push(l) });
  sink.deliver(notice('a', 'AWS ready'));
  await settle(sink);
  expect(fs.readFileSync(path.join(dir, 'shown'), 'utf8')).toContain('AWS ready');
  expect(sink.stats()).toMatchObject({ delivered: 1, failed: 0 });
  expect(lines).toEqual([]);
});

test.runIf(linux)('a notify-send that exits non-zero is still reported once', async () => {
  fs.writeFileSync(path.join(dir, 'broken'), '');
  const lines: string[] = [];
  const sink = nodeNotifierSink({ log: (l) => lines.push(l) });
  sink.deliver(notice('b', 'one'));
  sink.deliver(notice('c', 'two'));
  await settle(sink);
  expect(sink.stats()).toMatchObject({ delivered: 0, failed: 2 });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/desktop notifications are not working/);
});
