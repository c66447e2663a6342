/**
 * On a Node older than 22.12 (this machine's own Node 20, where there is one), `offload` says in one line which
 * Node it needs and how to get the one this project installs (README's set-up), instead of failing on a syntax
 * or API error from inside the bundle.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli';

/** A Node on this machine older than 22.12 (`/usr/bin/node` here: Debian's 20), if any. */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const r = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    const [major = 0, minor = 0] = (r.stdout ?? '').trim().split('.').map(Number);
    if (r.status === 0 && (major < 22 || (major === 22 && minor < 12))) return candidate;
  }
  return undefined;
}
const node = oldNode();

describe.skipIf(!node)('offload on an old Node (skipped: no Node older than 22.12 on this machine)', () => {
  it('one line naming the Node it needs and README’s way to the project’s own; exit 1, nothing else', () => {
    const r = spawnSync(node!, [CLI, 'status'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^offload: needs Node\.js 22\.12 or later .* this is Node \d+\./);
    expect(r.stderr).toContain('`. scripts/provision-node.sh` in the Offload folder');
  });
});
