/** `offload status` names each workflow with the same label as the tray's menu and the window's buttons. */
import { describe, expect, it } from 'vitest';
import { workflowLabel } from '../../main/core/format';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

describe('offload status', () => {
  it('labels each workflow as the tray and the window do', async () => {
    const dir = makeProject(`name: labels\nphases:\n  local: { steps: [{ name: T, run: "true" }] }\n`);
    const r = await runCli(['status', '--data-dir', tempDataDir()], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^(▶ allowed|⛔ blocked)/.test(l));
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) {
      const name = row.replace(/^(▶ allowed|⛔ blocked)\s+/, '').split(/\s+/)[0]!;
      expect(row).toContain(` ${workflowLabel(name)} `);
    }
    expect(r.stdout).toMatch(/^▶ allowed {2}local {11}Run local build & tests \(local\)$/m);
    // a project never run starts where the rule starts: locally (`full` would stop at init's TODO steps)
    expect(r.stdout).toContain('no runs yet: start with `offload run local` (build and tests here)');
  });
});
