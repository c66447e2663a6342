/**
 * A value `switch` writes into a .env is read back as written by the tools that read .env files, the shell
 * (`set -a; . ./.env`) first among them. In double quotes a `$(…)` or a backtick runs when the file is
 * sourced and a `$VAR` is expanded (the shell, dotenv-expand, docker compose): such a value goes in single
 * quotes, which every .env reader takes literally. A real bash sources the file.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readValue, setValues } from '../../main/core/switch/edit';
import { tempFolder } from '../helpers/git-repo';

/** The value of A after bash sources `text`, and whether sourcing it created the marker file. */
function sourced(text: string): { value: string; ran: boolean } {
  const dir = tempFolder('offload-env-quote-');
  fs.writeFileSync(path.join(dir, '.env'), text);
  const value = execFileSync('bash', ['-c', 'set -a; . ./.env; printf %s "$A"'], { cwd: dir }).toString();
  return { value, ran: fs.existsSync(path.join(dir, 'ran')) };
}

describe('switch: .env values with shell syntax', () => {
  for (const value of ['http://h/$(touch ran)', 'http://h/`touch ran`', 'p$HOME/x', 'a;touch ran']) {
    for (const before of ['A=1\n', 'A="1"\n', "A='1'\n"]) {
      it(`${JSON.stringify(value)} over ${JSON.stringify(before)} is sourced as written and runs nothing`, () => {
        const text = setValues(before, 'env', { A: value });
        expect(sourced(text)).toEqual({ value, ran: false });
        expect(readValue(text, 'env', 'A')).toBe(value);
      });
    }
  }
});
