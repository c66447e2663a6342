/**
 * What a user reads before trusting a project: every command in full (never cut: a `; touch PWNED` after 160
 * harmless characters must show), line breaks kept, and every control, bidi and zero-width character shown as
 * `⟨U+XXXX⟩` so the text reads as it runs. The CLI, `--json` and the window all show these lines.
 */
import { visibleText } from '../boundary/text';
import type { OffloadConfig } from '../vocabulary';

const section = (config: OffloadConfig, name: string): Record<string, unknown> => {
  const s = config.sections[name];
  return s && typeof s === 'object' ? (s as Record<string, unknown>) : {};
};

/** A value as the user reads it: a string as written, anything else as JSON; hidden characters shown. */
const shown = (v: unknown): string => visibleText(typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null'));
/** One-line parts (names, keys, paths): a line break in them is shown too. */
const oneLine = (v: unknown): string => visibleText(String(v), { newlines: false });

const envText = (env: Record<string, string>): string =>
  Object.entries(env)
    .map(([k, v]) => `${oneLine(k)}=${shown(v)}`)
    .join(' ');

/** The local-logs commands notify would run (a project's own code, like its steps). */
export function localLogCommands(config: OffloadConfig): string[] {
  const notify = section(config, 'notify');
  const logs = Array.isArray(notify['local-logs']) ? (notify['local-logs'] as { command?: unknown }[]) : [];
  return logs.map((l) => l.command).filter((c): c is string => typeof c === 'string');
}

/** One entry per thing the project would run, write, stop or send, in the order a user reads offload.yml. */
export function reviewActions(config: OffloadConfig): string[] {
  const actions: string[] = [];
  if (Object.keys(config.env).length) actions.push(`env for every step: ${envText(config.env)}`);
  for (const p of Object.values(config.phases))
    for (const s of p.steps) {
      const where = [
        s.cwd !== undefined ? `in ${oneLine(s.cwd)}` : '',
        Object.keys(s.env).length ? `with ${envText(s.env)}` : '',
      ].filter(Boolean);
      actions.push(
        `${p.id} › ${oneLine(s.name)} (${oneLine(s.id)}): ${s.kind} ${shown(s.spec)}` +
          (where.length ? ` [${where.join(', ')}]` : ''),
      );
    }
  const sw = section(config, 'switch');
  const files = Array.isArray(sw.files) ? (sw.files as { path?: unknown; keys?: unknown }[]) : [];
  for (const f of files) {
    const keys = f.keys && typeof f.keys === 'object' ? Object.keys(f.keys) : [];
    actions.push(`switch: writes ${keys.map(oneLine).join(', ')} in ${oneLine(f.path)}`);
  }
  const lm = sw['local-models'] as { start?: unknown } | undefined;
  if (lm?.start) actions.push(`switch local: starts \`${shown(lm.start)}\``);
  const models = section(config, 'models');
  const matchers = Array.isArray(models.matchers) ? models.matchers : [];
  for (const m of matchers)
    actions.push(`models: treats processes matching ${shown(m)} as model servers it may stop`);
  for (const c of localLogCommands(config))
    actions.push(`notify.local-logs: runs \`${shown(c)}\` and reads its output`);
  // Gate endpoints are requested by every watch; a `${{ env.X }}`/`${{ secrets.X }}` in one sends that value there.
  const gate = section(config, 'gate');
  const endpoints = Array.isArray(gate.endpoints) ? (gate.endpoints as { url?: unknown }[]) : [];
  for (const e of endpoints)
    if (typeof e.url === 'string')
      actions.push(
        `gate: requests ${shown(e.url)} on every check${/\$\{\{\s*(env|secrets)\./.test(e.url) ? ' — with values from your environment in it' : ''}`,
      );
  const aws = section(config, 'aws');
  if (typeof aws.endpoint === 'string')
    actions.push(`aws: sends requests signed with your AWS credentials to ${oneLine(aws.endpoint)}`);
  // Every run writes who and where to the team bucket, and a pass found there lets AWS phases run.
  const team = section(config, 'team');
  if (typeof team.evidence === 'string') {
    const profile = team.profile ?? aws.profile;
    actions.push(
      `team: writes each run's record (git author, this machine's name or CI job URL, commit, what it deployed) to ${oneLine(team.evidence)} with your AWS credentials${typeof profile === 'string' ? ` (profile ${oneLine(profile)})` : ''}, and counts local passes found there for the same source as its own`,
    );
  }
  if (gate.policy === 'auto')
    actions.push(
      'gate.policy auto: when AWS is ready, stops local model servers, switches the config and runs shutdown by itself',
    );
  return actions;
}
