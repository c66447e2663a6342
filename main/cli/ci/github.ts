/**
 * GitHub Actions' conventions for `offload run`: workflow commands (`::group::`, `::error …::`,
 * `::add-mask::`) and the Markdown job summary. Everything that comes from the project (step names, reasons)
 * is escaped as the Actions toolkit escapes it, so it can never become a command of its own; a step's output
 * lines keep their `│` prefix, so what a step prints is never read by the runner as a command either.
 */
import { STATUS_ICON, type RunSnapshot } from '../../core/vocabulary';
import { formatDuration } from '../terminal';

/** A command's message, escaped as @actions/core does (`%`, CR, LF). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command's property value, escaped as @actions/core does (also `:` and `,`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Where an annotation points. */
export interface AnnotationProps {
  title?: string;
  file?: string;
  line?: number;
  col?: number;
}

/** One workflow command line: `::error file=…,line=…::message`. */
export function workflowCommand(
  name: 'error' | 'warning' | 'notice' | 'group' | 'endgroup' | 'add-mask',
  message = '',
  props: AnnotationProps = {},
): string {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${name}${p ? ' ' + p : ''}::${escapeData(message)}`;
}

/** Text from the project, safe in a Markdown table cell (no HTML, no cell breaks, one line). */
export function markdownCell(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`')
    .replace(/[[\]]/g, (c) => `\\${c}`);
}

/** The job summary of one run: its phases and steps with ✅⏳❌, durations and why a step failed. */
export function jobSummary(run: RunSnapshot, opts: { project: string; trust?: string }): string {
  const lines = [
    `### ${STATUS_ICON[run.status]} offload run ${markdownCell(run.workflow)} — ${markdownCell(opts.project)}`,
    '',
    `Run \`${run.runId}\`, ${run.status}${run.durationMs !== undefined ? ` in ${formatDuration(run.durationMs)}` : ''}${run.reason ? `: ${markdownCell(run.reason)}` : ''}.`,
  ];
  if (opts.trust) lines.push('', `Trust: ${markdownCell(opts.trust)}`);
  lines.push('', '| Phase | Step | Status | Time | Details |', '| --- | --- | --- | --- | --- |');
  for (const phase of run.phases) {
    lines.push(
      `| ${STATUS_ICON[phase.status]} **${markdownCell(phase.title)}** | | ${phase.status} | | ${markdownCell(phase.reason ?? '')} |`,
    );
    for (const s of phase.steps) {
      const detail = s.status === 'passed' ? (s.summary ?? '') : (s.reason ?? s.summary ?? '');
      lines.push(
        `| | ${markdownCell(s.name)} | ${STATUS_ICON[s.status]} ${s.status} | ${s.durationMs !== undefined ? formatDuration(s.durationMs) : ''} | ${markdownCell(detail)} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
