/**
 * What YAML or the schema let through and must be refused (issue 14, item 9), through the real CLI's `validate`:
 * each case exits 2 with offload.yml:line:column and its own message, never 0 or a bare stack overflow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { refusedConfigs } from '../fixtures/hostile/configs';
import { runCli, tempDataDir } from '../helpers/cli';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-refused-'));
const data = tempDataDir();
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(data, { recursive: true, force: true });
});

describe('offload validate refuses what YAML lets through', () => {
  refusedConfigs().forEach((c, i) => {
    it(c.name, async () => {
      const dir = path.join(root, `p${i}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'offload.yml'), c.text);
      const r = await runCli(['validate', '--data-dir', data], {
        cwd: dir,
        untrusted: true,
        timeoutMs: 20_000,
      });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      const at = `offload.yml:${c.line}:${c.column}: `;
      const line = r.stderr.split('\n').find((l) => l.includes(at));
      expect(line, `no problem at ${at} in:\n${r.stderr}`).toBeDefined();
      expect(line).toMatch(c.message);
      expect(r.stderr).not.toMatch(/Maximum call stack|\n\s+at .+:\d+:\d+/);
    });
  });
});
