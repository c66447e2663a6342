// Terminal conventions of the CLI: NO_COLOR, TTY detection, the live progress block.
import { describe, expect, it } from 'vitest';
import { renderRunBlock, truncateVisible } from '../../main/cli/progress';
import {
  colorEnabled,
  formatBytes,
  formatDuration,
  makeTerm,
  paintStep,
  printJson,
} from '../../main/cli/terminal';
import type { RunSnapshot } from '../../main/core/state';

describe('colour', () => {
  it('honours NO_COLOR and FORCE_COLOR, and is off when not a TTY', () => {
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled({ TERM: 'dumb' }, true)).toBe(false);
    expect(colorEnabled({}, true, false)).toBe(false);
  });
});

describe('formatting', () => {
  it('durations and sizes read like people write them', () => {
    expect(formatDuration(412)).toBe('412 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(16 * 1024 ** 3)).toBe('16 GiB');
    expect(formatBytes(40e9)).toBe('37 GiB'); // 1024-based, labelled so
  });

  it('truncates to the visible width without cutting colour codes', () => {
    const s = '\x1b[32mabcdefghij\x1b[39m';
    const t = truncateVisible(s, 5);
    expect(t.replace(/\x1b\[[0-9;]*m/g, '')).toBe('abcd…');
    expect(t.startsWith('\x1b[32m')).toBe(true);
  });
});

describe('live progress block', () => {
  const run: RunSnapshot = {
    runId: 'r1',
    workflow: 'full',
    status: 'running',
    startedAt: new Date(1_000_000).toISOString(),
    fingerprint: 'abc',
    current: { phase: 'local', step: 'test' },
    tail: ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6'],
    phases: [
      {
        id: 'local',
        title: 'Local build, tests and dev-system check',
        status: 'running',
        steps: [
          {
            id: 'build',
            name: 'Build',
            kind: 'run',
            status: 'passed',
            durationMs: 1200,
            summary: 'exit code 0',
          },
          {
            id: 'test',
            name: 'Test',
            kind: 'run',
            status: 'running',
            startedAt: new Date(1_002_000).toISOString(),
          },
        ],
      },
      { id: 'aws-prepare', title: 'AWS preparation', status: 'pending', steps: [] },
    ],
  };

  it('shows the phases, the running step with its elapsed time and the last five output lines', () => {
    const term = makeTerm({ env: { NO_COLOR: '1' } });
    const lines = renderRunBlock(run, term, 1_005_000, 120);
    expect(lines[0]).toMatch(/offload run full\s+5\.0 s/);
    expect(lines).toContain('⏳ Local build, tests and dev-system check');
    expect(lines.some((l) => /✅ Build\s+1\.2 s\s+exit code 0/.test(l))).toBe(true);
    expect(lines.some((l) => /⏳ Test\s+3\.0 s/.test(l))).toBe(true);
    expect(lines.filter((l) => l.includes('│'))).toHaveLength(5);
    expect(lines.some((l) => l.includes('line 1'))).toBe(false);
    expect(lines.some((l) => l.includes('line 6'))).toBe(true);
    expect(lines).toContain('· AWS preparation');
  });

  it("on a TTY keeps a step's colours and drops its other escapes; without colour, drops colours too", () => {
    const hostile = {
      ...run,
      tail: [
        '\x1b[31mred\x1b[0m\x1b]52;c;dG91Y2g=\x07\x1b]0;title\x07\x1b[2J\x1b]8;;http://x\x07link\x1b]8;;\x07 safe\rEVIL',
      ],
    };
    const tty = { isTTY: true, columns: 200, write: () => true } as unknown as NodeJS.WriteStream;
    const colour = renderRunBlock(hostile, makeTerm({ env: {}, out: tty }), 1_005_000, 200).filter((l) =>
      l.includes('│'),
    );
    expect(colour).toHaveLength(2);
    expect(colour[0]).toContain('\x1b[31mred\x1b[0m');
    const bare = colour.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(bare).toEqual(['      │ redlink safe', '      │ EVIL']);
    const plain = renderRunBlock(hostile, makeTerm({ env: { NO_COLOR: '1' }, out: tty }), 1_005_000, 200);
    expect(plain.filter((l) => l.includes('│'))).toEqual(['      │ redlink safe', '      │ EVIL']);
  });
});

describe('step names', () => {
  it('a name holding bidi or control characters is shown as code points, never obeyed', () => {
    const term = makeTerm({ env: { NO_COLOR: '1' } });
    expect(paintStep(term, 'passed', 'Bu\u200fild \u202eexe.txt\x1b]0;t\x07')).toBe(
      '✅ Bu⟨U+200F⟩ild ⟨U+202E⟩exe.txt⟨U+001B⟩]0;t⟨U+0007⟩',
    );
    expect(paintStep(term, 'failed', 'TODO: deploy\u2066')).toBe('📝 TODO: deploy⟨U+2066⟩');
  });
});

describe('--json', () => {
  it('writes C1 controls, bidi and zero-width characters as \\u escapes: the same value, nothing raw', () => {
    let written = '';
    const out = {
      isTTY: false,
      write: (s: string) => ((written += s), true),
    } as unknown as NodeJS.WriteStream;
    const value = { text: 'a\u009b2Jb\u202ec\u200bd\x1b[2Je ✅' };
    printJson(makeTerm({ env: {}, out }), value);
    expect(written).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e\u200b]/);
    expect(written).toContain('\\u009b');
    expect(written).toContain('\\u202e');
    expect(JSON.parse(written)).toEqual(value);
  });
});
