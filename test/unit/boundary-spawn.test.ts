// `${{ … }}` in scripts become environment variable references: run through the real bash and sh here, the
// value comes out exactly in every quoting context and nothing in it runs; PowerShell and cmd by their text.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scriptAsData, ScriptValueError, shellFamily } from '../../main/core/boundary/spawn';
import { findExecutable } from '../../main/core/platform/shell';

const VALUE =
  'a"; touch PWNED; echo "\nb\' ; touch PWNED2 ; \'\n$(touch PWNED3) `touch PWNED4` ${HOME}\nx  y\\n';
const value = () => VALUE;

function runWith(shell: string, script: string, env: Record<string, string>): { out: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-expr-'));
  const file = path.join(dir, 's.sh');
  fs.writeFileSync(file, script);
  const r = spawnSync(shell, ['-e', file], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { out: r.stdout, dir };
}

const shells = ['bash', 'sh'].filter((s) => findExecutable(s));

describe.each(shells)('scriptAsData with %s', (shell) => {
  it.each([
    ['unquoted', "printf '%s' ${{ steps.a.outputs.x }}"],
    ['double quotes', 'printf \'%s\' "pre ${{ steps.a.outputs.x }} post"'],
    ['single quotes', "printf '%s' 'pre ${{ steps.a.outputs.x }} post'"],
    ['$(…) inside double quotes', 'printf \'%s\' "$(printf \'%s\' "${{ steps.a.outputs.x }}")"'],
    ['backticks', "v=`printf '%s' ${{ steps.a.outputs.x }}`; printf '%s' \"$v\""],
    ['${x:-…}', 'printf \'%s\' "${unset_var:-${{ steps.a.outputs.x }}}"'],
    ['unquoted heredoc', 'cat <<EOF\npre ${{ steps.a.outputs.x }} post\nEOF'],
    ['after a comment with a quote', "# it's a comment\nprintf '%s' ${{ steps.a.outputs.x }}"],
  ])('%s: the value exactly, nothing run', (_name, script) => {
    const r = scriptAsData(script, 'posix', value);
    expect(Object.keys(r.env)).toEqual(['OFFLOAD_EXPR_1']);
    const { out, dir } = runWith(shell, r.script, r.env);
    expect(out.replace(/^pre |( post)?\n?$/g, '')).toBe(VALUE);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('PWNED'))).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('scriptAsData', () => {
  it('one variable per distinct expression, numbered in order', () => {
    const r = scriptAsData('echo ${{ env.A }} ${{steps.s.outputs.k}} ${{ env.A }}', 'posix', (m) =>
      m.raw.slice(3, -2).trim(),
    );
    expect(r.script).toBe('echo "${OFFLOAD_EXPR_1}" "${OFFLOAD_EXPR_2}" "${OFFLOAD_EXPR_1}"');
    expect(r.env).toEqual({ OFFLOAD_EXPR_1: 'env.A', OFFLOAD_EXPR_2: 'steps.s.outputs.k' });
  });

  it('refuses places where a value would still be code: a quoted heredoc, $(( )), an unknown shell', () => {
    expect(() => scriptAsData("cat <<'EOF'\n${{ env.A }}\nEOF", 'posix', value)).toThrow(
      /inside a quoted heredoc \(<<'EOF'\): nothing expands there/,
    );
    expect(() => scriptAsData('echo $(( ${{ env.A }} + 1 ))', 'posix', value)).toThrow(ScriptValueError);
    expect(() => scriptAsData('print("${{ env.A }}")', 'other', value)).toThrow(
      /set one under the step's `env:` \(e\.g\. VALUE: \$\{\{ env\.A \}\}\)/,
    );
  });

  it('PowerShell: "${env:…}" outside strings, bare inside "…", refused inside \'…\'', () => {
    expect(scriptAsData('Write-Output ${{ env.A }} "x ${{ env.B }}"', 'powershell', value).script).toBe(
      'Write-Output "${env:OFFLOAD_EXPR_1}" "x ${env:OFFLOAD_EXPR_2}"',
    );
    expect(() => scriptAsData("Write-Output 'x ${{ env.A }}'", 'powershell', value)).toThrow(
      /single-quoted PowerShell string/,
    );
  });

  it('cmd: delayed expansion (!VAR!), so & | > in a value are never parsed', () => {
    expect(scriptAsData('echo ${{ env.A }}', 'cmd', value).script).toBe(
      '@setlocal EnableDelayedExpansion\r\necho !OFFLOAD_EXPR_1!',
    );
  });

  it('shell families', () => {
    expect(shellFamily(undefined, 'linux')).toBe('posix');
    expect(shellFamily(undefined, 'win32')).toBe('powershell');
    expect(shellFamily('pwsh')).toBe('powershell');
    expect(shellFamily('cmd')).toBe('cmd');
    expect(shellFamily('python')).toBe('other');
    expect(shellFamily('perl {0}')).toBe('other');
  });
});
