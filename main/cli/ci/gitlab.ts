/** GitLab CI's collapsible log sections (https://docs.gitlab.com/ci/jobs/job_logs/#custom-collapsible-sections). */

/** A section name GitLab accepts: letters, digits, `_`, `.`, `-`. */
export function sectionName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100) || 'step';
}

/** The line that opens a collapsed section with a one-line header. */
export function sectionStart(name: string, header: string, now = Date.now()): string {
  const clean = [...header].map((c) => (c < ' ' || c === '\u007f' ? ' ' : c)).join('');
  return `\x1b[0Ksection_start:${Math.floor(now / 1000)}:${sectionName(name)}[collapsed=true]\r\x1b[0K${clean}`;
}

/** The line that closes it. */
export function sectionEnd(name: string, now = Date.now()): string {
  return `\x1b[0Ksection_end:${Math.floor(now / 1000)}:${sectionName(name)}\r\x1b[0K`;
}
