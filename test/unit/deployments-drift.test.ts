import { describe, expect, it } from 'vitest';
import { driftOf } from '../../main/core/deployments/drift';

const tested = { fingerprint: 'fp-tested', runId: 'r1', at: '2026-12-01T10:00:00.000Z' };

describe('driftOf', () => {
  it('is null before anything passed AWS testing, when the source is what was tested, or files are unknown', () => {
    const never = () => {
      throw new Error('no file lookup expected');
    };
    expect(driftOf(undefined, 'fp-now', never)).toBeNull();
    expect(driftOf(tested, undefined, never)).toBeNull();
    expect(driftOf(tested, 'fp-tested', never)).toBeNull();
    expect(driftOf(tested, 'fp-now', () => undefined)).toBeNull();
    expect(driftOf(tested, 'fp-now', () => [])).toBeNull();
  });

  it('counts changed files per top folder (a top-level file by its own name) and lists at most 50', () => {
    const asked: string[] = [];
    const files = [
      'README.md',
      'api/a.py',
      'api/b/c.py',
      ...Array.from({ length: 60 }, (_, i) => `web/f${i}.ts`),
    ];
    const d = driftOf(tested, 'fp-now', (fp) => {
      asked.push(fp);
      return files;
    });
    expect(asked).toEqual(['fp-tested']);
    expect(d).toEqual({
      changed: 63,
      byFolder: { 'README.md': 1, api: 2, web: 60 },
      files: files.slice(0, 50),
      deployedRunId: 'r1',
      deployedAt: '2026-12-01T10:00:00.000Z',
    });
  });
});
