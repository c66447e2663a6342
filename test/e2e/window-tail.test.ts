/**
 * The live step-output tail in the real status window (built renderer + preload in Chromium) over the real core:
 * a step prints a bidi override (U+202E, Trojan Source), and the window shows it as ⟨U+202E⟩, as the CLI
 * does, never the raw character that would reorder what the user reads.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openTrustedWindow, type TrustedWindow } from './helpers/core-window';

let w: TrustedWindow;

// The step prints U+202E as its UTF-8 bytes (octal escapes), so offload.yml itself holds no bidi character.
const yaml = `name: tail-window
phases:
  local: { steps: [{ name: Build, run: "printf 'user\\\\342\\\\200\\\\256gpj.exe done\\\\n'; sleep 3" }] }
`;

beforeAll(async () => {
  w = await openTrustedWindow('window-tail', yaml);
}, 60_000);
afterAll(() => w?.close());

describe('the live tail in the window', () => {
  test('a bidi override in step output is shown as ⟨U+202E⟩, not obeyed', async () => {
    const { core, page } = w;
    const run = core.run('local');
    const tail = page.page.locator('#tail');
    // The first line is offload's own (the command, with its octal escapes); the second is what the step printed.
    const lines = async () => ((await tail.textContent()) ?? '').split('\n');
    await expect.poll(async () => (await lines()).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const text = (await tail.textContent()) ?? '';
    expect((await lines())[1]).toBe('user⟨U+202E⟩gpj.exe done');
    expect(text).not.toContain('\u202e');
    expect(page.errors).toEqual([]);
    expect((await run).status).toBe('passed');
  }, 30_000);
});
