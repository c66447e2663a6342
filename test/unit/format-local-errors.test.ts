// The Errors section's local-log rows: one per file (its newest notice), keyed by the notice's target item, so
// a click on a local-log notice lands on a row the window shows.
import { describe, expect, it } from 'vitest';
import { localLogRows } from '../../main/core/format';
import type { Notice } from '../../main/core/state';

const notice = (id: string, item: string | undefined, source?: Notice['source']): Notice => ({
  id,
  at: `2026-12-07T10:00:0${id}Z`,
  level: 'error',
  title: `t${id}`,
  body: `b${id}`,
  target: { view: 'errors', ...(item ? { item } : {}) },
  ...(source ? { source } : {}),
});

describe('localLogRows', () => {
  it('keeps the newest notice of each local log, newest first, and nothing else', () => {
    const rows = localLogRows([
      notice('1', 'local:logs/app.log', 'local-logs'),
      notice('2', '/ecs/api', 'cloudwatch-logs'),
      notice('3', 'local:`docker compose logs -f`', 'local-logs'),
      notice('4', 'local:logs/app.log', 'local-logs'),
      notice('5', undefined, 'local-logs'),
    ]);
    expect(rows.map((r) => [r.item, r.title])).toEqual([
      ['local:logs/app.log', 't4'],
      ['local:`docker compose logs -f`', 't3'],
    ]);
  });
});
