/**
 * `offload run` in CI, in the platform's own conventions: each step's output in a collapsible group (GitHub's
 * `::group::`, GitLab's sections), an `::error` annotation at the failed step's line in offload.yml, the
 * run's secrets registered with the runner's masking before anything is printed, and the job summary.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { OffloadConfig, PhaseId, RunSnapshot, SourcePos } from '../../core/vocabulary';
import type { StepSections } from '../progress';
import { jobSummary, workflowCommand } from './github';
import { sectionEnd, sectionStart } from './gitlab';
import type { CiPlatform } from './platform';

/** The lines a CI platform wraps around each step, and what it does before and after the run. */
export class CiRunOutput implements StepSections {
  private readonly positions = new Map<string, SourcePos>();
  /**
   * GitHub reads commands anywhere in a line in their old `##[…]` form, so a prefix does not keep a step's
   * output inert: the whole run is printed with commands stopped (`::stop-commands::`) under a token no step
   * sees, resumed only around Offload's own commands.
   */
  private readonly token = crypto.randomBytes(16).toString('hex');
  private stopped = false;

  constructor(
    readonly platform: CiPlatform,
    private readonly config: OffloadConfig,
    private readonly env: NodeJS.ProcessEnv,
    private readonly write: (line: string) => void,
  ) {
    for (const [phase, p] of Object.entries(config.phases))
      for (const s of p.steps) this.positions.set(`${phase}/${s.id}`, s.pos);
  }

  /** Before any output: the secrets' values registered with the runner's own masking (GitHub). */
  registerMasks(secretNames: string[]): void {
    if (this.platform.id !== 'github') return;
    for (const name of secretNames) {
      const v = this.env[name];
      // Each line of a multi-line value is masked on its own (the runner masks per line).
      for (const part of (v ?? '').split(/\r?\n/))
        if (part.trim().length >= 4) this.write(workflowCommand('add-mask', part));
    }
    this.write(`::stop-commands::${this.token}`);
    this.stopped = true;
  }

  /** Offload's own commands, with command processing resumed around them (GitHub). */
  private own(lines: string[]): string[] {
    return this.stopped ? [`::${this.token}::`, ...lines, `::stop-commands::${this.token}`] : lines;
  }

  /** Command processing back on for the rest of the job step (after the run, or when it ends early). */
  resume(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.write(`::${this.token}::`);
  }

  open(phase: PhaseId, step: string, title: string): string[] {
    if (this.platform.id === 'github') return this.own([workflowCommand('group', title)]);
    if (this.platform.id === 'gitlab') return [sectionStart(`${phase}_${step}`, title)];
    return [];
  }

  close(phase: PhaseId, step: string): string[] {
    if (this.platform.id === 'github') return this.own([workflowCommand('endgroup')]);
    if (this.platform.id === 'gitlab') return [sectionEnd(`${phase}_${step}`)];
    return [];
  }

  failed(phase: PhaseId, step: string, name: string, reason: string): string[] {
    if (this.platform.id !== 'github') return [];
    const pos = this.positions.get(`${phase}/${step}`);
    return this.own([
      workflowCommand('error', reason, {
        title: `offload: ${name} failed`,
        ...(pos ? { file: this.repoPath(pos.file), line: pos.line, col: pos.column } : {}),
      }),
    ]);
  }

  /** After the run: the job summary (GitHub's $GITHUB_STEP_SUMMARY), appended as the runner expects. */
  finish(run: RunSnapshot, trust?: string): void {
    this.resume();
    const file = this.env.GITHUB_STEP_SUMMARY;
    if (this.platform.id !== 'github' || !file) return;
    try {
      fs.appendFileSync(file, jobSummary(run, { project: this.config.name, trust }));
    } catch (err) {
      this.write(workflowCommand('warning', `could not write the job summary: ${(err as Error).message}`));
    }
  }

  /** A config path as annotations want it: relative to the checkout (GITHUB_WORKSPACE), with `/`. */
  private repoPath(file: string): string {
    const root = this.env.GITHUB_WORKSPACE;
    const rel = root ? path.relative(root, file) : file;
    return (rel.startsWith('..') || path.isAbsolute(rel) ? file : rel).split(path.sep).join('/');
  }
}
