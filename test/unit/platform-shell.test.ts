// Shell command lines as GitHub Actions builds them, per platform, and real scripts through the real shells here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultShell, findExecutable, resolveShell, shellArgs } from '../../main/core/platform/shell';

const everywhere = (n: string) => `/usr/bin/${n}`;
const only =
  (...names: string[]) =>
  (n: string) =>
    names.includes(n) ? `C:\\bin\\${n}.exe` : undefined;

describe('resolveShell: Actions command lines', () => {
  it.each([
    ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', '/t/s.sh'], '.sh'],
    ['sh', ['-e', '/t/s.sh'], '.sh'],
    ['pwsh', ['-command', ". '/t/s.ps1'"], '.ps1'],
    ['powershell', ['-command', ". '/t/s.ps1'"], '.ps1'],
    ['python', ['/t/s.py'], '.py'],
  ])('%s', (shell, args, ext) => {
    const inv = resolveShell(shell, { platform: 'linux', which: everywhere });
    expect(inv.ext).toBe(ext);
    expect(shellArgs(inv, `/t/s${ext}`)).toEqual(args);
    expect(inv.file).toBe(`/usr/bin/${shell}`);
  });

  it('cmd on Windows: /D /E:ON /V:OFF /S /C "CALL "{0}"" passed verbatim', () => {
    const inv = resolveShell('cmd', { platform: 'win32', which: only('cmd') });
    expect(shellArgs(inv, 'C:\\T\\s.cmd')).toEqual([
      '/D',
      '/E:ON',
      '/V:OFF',
      '/S',
      '/C',
      '"CALL "C:\\T\\s.cmd""',
    ]);
    expect(inv.windowsVerbatimArguments).toBe(true);
  });

  it('pwsh scripts get $ErrorActionPreference = stop and exit with $LASTEXITCODE, as in Actions', () => {
    const text = resolveShell('pwsh', { platform: 'win32', which: only('pwsh') }).script('npm test');
    expect(text.split('\n')[0]).toBe("$ErrorActionPreference = 'stop'");
    expect(text).toContain('npm test');
    expect(text).toMatch(/exit \$LASTEXITCODE/);
  });

  it('defaults: bash else sh on POSIX; pwsh else powershell on Windows', () => {
    expect(defaultShell({}, 'linux', everywhere)).toBe('bash');
    expect(defaultShell({}, 'darwin', (n) => (n === 'sh' ? '/bin/sh' : undefined))).toBe('sh');
    expect(defaultShell({}, 'win32', only('pwsh', 'powershell'))).toBe('pwsh');
    expect(defaultShell({}, 'win32', only('powershell'))).toBe('powershell');
    expect(resolveShell(undefined, { platform: 'win32', which: only('powershell') }).shell).toBe(
      'powershell',
    );
  });

  it('python falls back to python3 on POSIX', () => {
    const inv = resolveShell('python', {
      platform: 'linux',
      which: (n) => (n === 'python3' ? '/usr/bin/python3' : undefined),
    });
    expect(inv.file).toBe('/usr/bin/python3');
  });

  it('a custom shell with {0}', () => {
    const inv = resolveShell('perl -w {0}', { platform: 'linux', which: everywhere });
    expect(inv.file).toBe('/usr/bin/perl');
    expect(shellArgs(inv, '/t/x')).toEqual(['-w', '/t/x']);
  });

  it('clear errors: a shell that is not installed, an unknown shell', () => {
    expect(() => resolveShell('pwsh', { platform: 'linux', which: () => undefined })).toThrow(
      /shell "pwsh" is not installed here \(looked for pwsh on PATH\)/,
    );
    expect(() => resolveShell('fish', { platform: 'linux', which: everywhere })).toThrow(
      /unknown shell "fish".*\{0\}/,
    );
  });
});

describe('real shells on this machine', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-shell-'));
  const run = (shell: string, body: string) => {
    const inv = resolveShell(shell);
    const file = path.join(dir, `s${inv.ext}`);
    fs.writeFileSync(file, inv.script(body));
    return spawnSync(inv.file, shellArgs(inv, file), { encoding: 'utf8' });
  };

  it('bash: -e stops at the first failure and pipefail fails a pipeline', () => {
    const r = run('bash', 'false | true\necho not-reached');
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain('not-reached');
  });

  it('sh: -e stops at the first failure', () => {
    const r = run('sh', 'echo a\nexit 4\necho b');
    expect(r.status).toBe(4);
    expect(r.stdout).toBe('a\n');
  });

  it.runIf(findExecutable('python3') || findExecutable('python'))('python runs the script', () => {
    const r = run('python', 'import sys\nprint("py", 1 + 1)\nsys.exit(3)');
    expect(r.stdout).toBe('py 2\n');
    expect(r.status).toBe(3);
  });
});
