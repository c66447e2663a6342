/**
 * What a valid offload.yml may still get wrong without being refused: model matchers that also match processes
 * that are no model server (a `cmdline: '.*'` matcher would, once trusted, stop shells and daemons), `policy:
 * auto` on a gate that checks nothing, and AWS testing whose every step may fail. Warnings carry file:line:col
 * like problems; `offload validate` prints them, nothing is refused for them.
 */
import type { ConfigProblem, OffloadConfig } from './types';
import { Checker } from './messages';
import { nonModelMatches } from '../machine/matcher-breadth';
import { gateConfigured } from '../aws/config';

/** The warnings of a loaded config, each placed at the key it is about. */
export function configWarnings(c: Checker, config: OffloadConfig): ConfigProblem[] {
  const w = new Checker(c.file, c.doc, c.lc, c.text);
  config.models.matchers.forEach((m, i) => {
    const hits = nonModelMatches(m);
    if (!hits.length) return;
    const key = m.cmdline ? 'cmdline' : 'exe';
    const shown = hits.slice(0, 3).map((h) => `\`${h}\``);
    w.atValue(
      ['models', 'matchers', i, key],
      `matcher '${m.name}' also matches processes that are not model servers (${shown.join(', ')}${hits.length > 3 ? `, ${hits.length - 3} more` : ''}); Offload asks before it stops a matched process with no model port and no GPU memory, or a shell or system program — narrow it (an \`exe:\`, a \`port:\`, a cmdline naming the server)`,
    );
  });
  // policy auto acts when the gate opens; a gate that checks nothing never opens (unknown is never ready)
  if (config.gate.policy === 'auto' && !gateConfigured(config.gate))
    w.atValue(
      ['gate', 'policy'],
      'policy auto acts when the gate opens, but the gate checks nothing (no services, endpoints or alarms), so AWS is never ready and nothing is done: add gate.endpoints, gate.services or gate.alarms',
    );
  // a secret's value written in offload.yml is in the repository for anyone who clones it
  for (const name of config.secrets)
    if (config.env[name] !== undefined && !config.env[name]!.includes('${{'))
      w.atValue(
        ['env', name],
        `${name} is declared a secret but its value is written here, in the repository: set it in the environment (or a CI secret) instead; Offload masks it in output either way`,
      );
  // AWS testing that fails only when every test does is a weak gate: shutdown would follow an AWS that failed most
  const awsTests = config.phases['aws-test']?.steps ?? [];
  if (awsTests.length && awsTests.every((st) => st.continueOnError)) {
    w.atKey(
      ['phases', 'aws-test'],
      'every step here has `continue-on-error: true`: AWS testing passes when any of them passes, even if the others fail, and shutdown then stops the local models in favour of an AWS that failed those (when all fail, the phase fails); let the tests that matter fail the phase',
    );
  }
  return w.problems;
}
