import { describe, expect, it } from 'vitest';
import { notReadyReason } from '../../main/core/rule/wire';

describe('notReadyReason (the user switching to AWS)', () => {
  it('lets a ready gate through and names why otherwise', () => {
    expect(notReadyReason({ gate: 'ready' })).toBeUndefined();
    expect(notReadyReason({ gate: 'not-ready', reason: 'alarm api-5xx in ALARM' })).toBe(
      'AWS is not ready: alarm api-5xx in ALARM',
    );
    expect(notReadyReason({ gate: 'unknown' })).toBe('AWS is in an unknown state: no reason given');
    expect(notReadyReason({ gate: 'disabled' })).toMatch(/^offload.yml configures no AWS gate/);
  });
});
