/**
 * The `run` step kind: a command run by a shell with GitHub Actions' semantics (`shell: bash|sh|pwsh|
 * powershell|cmd|python` or a custom `prog {0}`), its whole process tree stopped on cancel or timeout. Its
 * stdout and stderr are the step's log file itself when the engine offers it (nothing to mask), otherwise
 * pipes streamed with backpressure into the engine's masking.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { spawnStep } from '../../boundary/spawn';
import { resolveShell, shellArgs } from '../../platform/shell';
import { PHASES, type StepContext, type StepKind } from '../types';

/** How long the output pipes may stay quiet after the shell exited before we stop reading them. */
const DRAIN_IDLE_MS = 500;

/** Runs the step's command; one attempt. */
export const runStep: StepKind<string> = {
  key: 'run',
  // Any phase: what a script or a probe does is the project's own (building, testing, a health check), and each
  // phase has one; the rule's gates still decide when each phase may run.
  phases: PHASES,
  schema: {
    description: 'Command(s) to run, as a script for `shell` (default bash, else sh; pwsh on Windows).',
    type: 'string',
    minLength: 1,
  },
  extraKeys: {
    shell: {
      description:
        'Shell, as in GitHub Actions: bash, sh, pwsh, powershell, cmd, python, or a command line with {0} for the script path.',
      type: 'string',
      anyOf: [{ enum: ['bash', 'sh', 'pwsh', 'powershell', 'cmd', 'python'] }, { pattern: '\\{0\\}' }],
    },
  },
  scriptShell: (extra) => extra.shell,
  describe(step) {
    const first = step.spec.split('\n').find((l) => l.trim()) ?? step.spec;
    const more = step.spec.trim().includes('\n') ? ' …' : '';
    return `run: ${first.trim().length > 80 ? first.trim().slice(0, 79) + '…' : first.trim()}${more}`;
  },
  async execute(ctx, step) {
    const shell = typeof step.extra.shell === 'string' ? step.extra.shell : undefined;
    const inv = resolveShell(shell, { env: ctx.env });
    const script = path.join(
      ctx.tempDir ?? os.tmpdir(),
      `offload-${ctx.runId}-${crypto.randomUUID().slice(0, 8)}${inv.ext}`,
    );
    fs.writeFileSync(script, inv.script(step.spec), { mode: 0o700 });
    try {
      return await runScript(ctx, inv.file, shellArgs(inv, script), inv.windowsVerbatimArguments);
    } finally {
      try {
        fs.unlinkSync(script);
      } catch {
        /* gone already: the run's temp folder goes at its end */
      }
    }
  },
};

function runScript(ctx: StepContext, file: string, args: string[], verbatim?: boolean) {
  return new Promise<{ status: 'passed' | 'failed'; summary: string }>((resolve, reject) => {
    if (ctx.signal.aborted) return resolve({ status: 'failed', summary: 'not started (aborted)' });
    // Straight to the log file: the child (and any background process it leaves) writes the disk itself.
    const fd = ctx.outputFd?.();
    const proc = spawnStep(file, args, {
      cwd: ctx.cwd,
      env: ctx.env,
      stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
      windowsVerbatimArguments: verbatim,
    });
    const child = proc.child;
    let killing: Promise<void> | undefined;
    const onAbort = () => {
      killing ??= proc.stop(2000);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    const streams =
      fd === undefined
        ? [
            { from: child.stdout as Readable, name: 'stdout' as const },
            { from: child.stderr as Readable, name: 'stderr' as const },
          ]
        : [];
    let open = streams.length;
    let exit: { code: number | null; sig: NodeJS.Signals | null } | undefined;
    let idle: NodeJS.Timeout | undefined;
    let settled = false;

    const finish = async () => {
      if (settled || !exit || open > 0) return;
      settled = true;
      clearTimeout(idle);
      ctx.signal.removeEventListener('abort', onAbort);
      await killing;
      // Every process the step started ends with it: daemons (setsid, double fork, nohup) included.
      await proc.end();
      const { code, sig } = exit;
      if (code === 0) resolve({ status: 'passed', summary: 'exit code 0' });
      else resolve({ status: 'failed', summary: sig ? `killed by ${sig}` : `exit code ${code}` });
    };
    // After the shell exits, background descendants may hold the pipes open; stop reading once they go quiet.
    const armIdle = () => {
      if (!exit) return;
      clearTimeout(idle);
      idle = setTimeout(() => {
        for (const s of streams) s.from.destroy();
      }, DRAIN_IDLE_MS);
    };

    for (const s of streams) {
      const sink = ctx.output?.(s.name);
      s.from.on('data', armIdle);
      const done = () => {
        open--;
        void finish();
      };
      if (sink) {
        s.from.pipe(sink);
        sink.on('finish', done);
        sink.on('error', done);
        s.from.on('close', () => {
          // A destroyed source does not end the sink; end it so its tail is flushed.
          if (!(sink as NodeJS.WritableStream & { writableEnded?: boolean }).writableEnded) sink.end();
        });
      } else {
        s.from.setEncoding('utf8');
        s.from.on('data', (t: string) => ctx.log(t, s.name));
        s.from.on('close', done);
      }
    }
    child.on('error', (err) => {
      ctx.signal.removeEventListener('abort', onAbort);
      settled = true;
      void proc.end().finally(() => reject(new Error(`could not start ${file}: ${err.message}`)));
    });
    child.on('exit', (code, sig) => {
      exit = { code, sig };
      // Background processes may hold the output pipes open: end them now, so the pipes close.
      void proc.end();
      armIdle();
      void finish();
    });
  });
}
