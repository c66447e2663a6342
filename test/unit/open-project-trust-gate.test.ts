import { describe, expect, it } from 'vitest';
import { gateByTrust } from '../../main/core/open-project/trust-gate';
import type { WorkflowAvailability } from '../../main/core/vocabulary';

const gates: WorkflowAvailability[] = [
  { name: 'local', phases: ['local'], allowed: true },
  { name: 'full', phases: ['local', 'aws-prepare'], allowed: false, reason: 'local has not passed' },
];

describe('gateByTrust', () => {
  it('leaves the gates alone for a trusted project or without a trust state', () => {
    expect(gateByTrust(gates, { trusted: true })).toEqual(gates);
    expect(gateByTrust(gates, null)).toEqual(gates);
  });

  it('blocks what the gates allow for an untrusted project, saying why; keeps the gates own reasons', () => {
    expect(gateByTrust(gates, { trusted: false, reason: 'never' })).toEqual([
      {
        name: 'local',
        phases: ['local'],
        allowed: false,
        reason: 'this project is not trusted yet: review what it runs and trust it',
      },
      gates[1],
    ]);
    expect(gateByTrust(gates, { trusted: false, reason: 'changed' })[0]?.reason).toBe(
      'offload.yml changed what it runs since you trusted it: review and trust it again',
    );
  });
});
