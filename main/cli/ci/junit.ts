/**
 * A run as a JUnit XML report (phases as test suites, steps as test cases): the format GitLab
 * (`artifacts:reports:junit`), CodeBuild (report groups) and most CI dashboards read.
 */
import type { RunSnapshot } from '../../core/vocabulary';

/** Text safe in XML: markup escaped, characters XML 1.0 cannot hold dropped. */
export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

/** The JUnit XML of one finished run. */
export function junitReport(run: RunSnapshot, project: string): string {
  const all = run.phases.flatMap((p) => p.steps);
  const failures = all.filter((s) => s.status === 'failed' || s.status === 'blocked').length;
  const skipped = all.filter((s) => s.status === 'pending' || s.status === 'cancelled').length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlText(`offload run ${run.workflow} — ${project}`)}" tests="${all.length}" failures="${failures}" skipped="${skipped}" time="${seconds(run.durationMs)}">`,
  ];
  for (const phase of run.phases) {
    const f = phase.steps.filter((s) => s.status === 'failed' || s.status === 'blocked').length;
    const sk = phase.steps.filter((s) => s.status === 'pending' || s.status === 'cancelled').length;
    const time = phase.steps.reduce((t, s) => t + (s.durationMs ?? 0), 0);
    out.push(
      `  <testsuite name="${xmlText(phase.title)}" tests="${phase.steps.length}" failures="${f}" skipped="${sk}" time="${seconds(time)}">`,
    );
    for (const s of phase.steps) {
      const open = `    <testcase classname="${xmlText(`${project}.${phase.id}`)}" name="${xmlText(s.name)}" time="${seconds(s.durationMs)}"`;
      if (s.status === 'passed') out.push(`${open}/>`);
      else if (s.status === 'failed' || s.status === 'blocked') {
        const why = s.reason ?? s.summary ?? s.status;
        out.push(
          `${open}>`,
          `      <failure message="${xmlText(why)}">${xmlText(why)}</failure>`,
          '    </testcase>',
        );
      } else
        out.push(
          `${open}>`,
          `      <skipped message="${xmlText(s.reason ?? s.status)}"/>`,
          '    </testcase>',
        );
    }
    if (phase.steps.length === 0 && (phase.status === 'failed' || phase.status === 'blocked'))
      out.push(
        `    <testcase classname="${xmlText(`${project}.${phase.id}`)}" name="${xmlText(phase.title)}" time="0.000">`,
        `      <failure message="${xmlText(phase.reason ?? phase.status)}">${xmlText(phase.reason ?? phase.status)}</failure>`,
        '    </testcase>',
      );
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
