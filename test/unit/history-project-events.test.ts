import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryStore } from '../../main/core/history';
import { parseJournal } from '../../main/core/history/project-events';

describe('project events', () => {
  it('read back typed; unknown kinds and other shapes are dropped, not cast', () => {
    const raw = [
      { at: 'a', kind: 'cloudwatch-alarm', data: { name: 'api-5xx', transition: 'alarm', state: 'ALARM' } },
      { at: 'b', kind: 'cloudwatch-alarm', data: { name: 'api-5xx', transition: 'sideways' } },
      { at: 'c', kind: 'gate', data: { ready: true } },
      { at: 'd', kind: 'cloudwatch-errors', data: { logGroup: '/ecs/api', count: 2, first: { at: 'x' } } },
      {
        at: 'e',
        kind: 'cloudwatch-errors',
        data: { logGroup: '/ecs/api', count: 2, first: { at: 5, message: 'boom' }, consoleUrl: '' },
      },
      { at: 'f', kind: 'rule-action', data: 'stop' },
    ];
    const events = parseJournal(raw);
    expect(events.map((e) => e.at)).toEqual(['a', 'e']);
    const [alarm, errors] = events;
    if (alarm?.kind !== 'cloudwatch-alarm' || errors?.kind !== 'cloudwatch-errors') throw new Error('kinds');
    expect(alarm.data.transition).toBe('alarm');
    expect(errors.data.first.message).toBe('boom');
  });

  it('the store writes events and reads them back through the same union', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-pe-'));
    const s = new HistoryStore({ dataDir, project: { name: 'p', dir: '/srv/p' } });
    s.appendProjectEvent('config-switch', { trigger: 'user', target: 'local', files: [] });
    fs.appendFileSync(
      path.join(s.projectDir, 'journal.jsonl'),
      '{"at":"x","kind":"config-switch","data":{}}\n',
    );
    expect(s.readJournal().map((e) => [e.kind, e.data])).toEqual([
      ['config-switch', { trigger: 'user', target: 'local', files: [] }],
    ]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
