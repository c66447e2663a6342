/** Phase 6 in one line, for `offload watch`'s transitions (the line changes only when the verdict does). */
import type { Phase6State } from '../vocabulary';

/** "❌ unstable since …: first error — deployment"; empty while nothing is deployed. */
export function phase6Line(p: Phase6State): string {
  const d = p.deployment ? ` — ${p.deployment.summary}` : '';
  const ack = p.acknowledgedAt ? ` (acknowledged ${p.acknowledgedAt})` : '';
  switch (p.status) {
    case 'idle':
      return '';
    case 'watching':
      return `⏳ watching until ${p.quietUntil ?? '?'} (quiet period)${ack}${d}`;
    case 'stable':
      return `✅ stable since ${p.since ?? '?'}${ack}${d}`;
    case 'unobserved':
      return `⏳ ${p.reason ?? 'not observed'}${d}`;
    case 'unstable':
      return `❌ unstable since ${p.since ?? '?'}: ${p.firstError?.message ?? 'error'}${d}`;
  }
}
