// The missing-command reader against what real shells print (run here), and the documented Windows shapes.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { installHint, knownTool, missingCommand } from '../../main/core/platform/install-hints';

/** What `shell` prints on stderr for a script calling a command that does not exist. */
function realMessage(shell: string, script: string): string[] {
  const r = spawnSync(shell, ['-c', script], { encoding: 'utf8' });
  return r.stderr.split('\n');
}

describe('missingCommand', () => {
  it("reads the command's name from bash's and dash's own messages", () => {
    expect(missingCommand(realMessage('bash', 'echo building; sam-offload-absent build'))).toBe(
      'sam-offload-absent',
    );
    expect(missingCommand(realMessage('dash', 'true\nterraform-offload-absent init'))).toBe(
      'terraform-offload-absent',
    );
    expect(realMessage('bash', 'exit 0')).toEqual(['']);
  });

  it('reads the shapes cmd, PowerShell and zsh print', () => {
    expect(missingCommand(["'sam' is not recognized as an internal or external command,"])).toBe('sam');
    expect(
      missingCommand([
        "sam: The term 'sam' is not recognized as a name of a cmdlet, function, script file, or executable program.",
      ]),
    ).toBe('sam');
    expect(missingCommand(['zsh:1: command not found: cdk'])).toBe('cdk');
  });

  it('is undefined for other failures and takes the last message', () => {
    expect(missingCommand(['FAILED tests/test_app.py::test_x', 'exit status 1'])).toBeUndefined();
    expect(missingCommand(['x: line 1: aws: command not found', 'y: line 2: sam: command not found'])).toBe(
      'sam',
    );
    expect(missingCommand(['a'.repeat(600) + ': line 1: sam: command not found'])).toBeUndefined();
  });
});

describe('installHint', () => {
  it('names how to get well-known tools and says something useful for others', () => {
    expect(installHint('sam')).toContain('AWS SAM CLI');
    expect(installHint('terraform.exe')).toContain('Terraform');
    expect(knownTool('sam')).toBe(true);
    expect(knownTool('frobnicate')).toBe(false);
    expect(installHint('frobnicate')).toBe('install frobnicate or add the folder that holds it to PATH');
  });
});
