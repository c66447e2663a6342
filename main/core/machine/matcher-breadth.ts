/**
 * Whether a user's model matcher reaches beyond model servers: a `cmdline: '.*'` matcher, once trusted, would
 * stop shells, an `http.server` and system daemons. A matcher is tried on command lines of common processes that
 * are no model server (`offload validate` warns with its place), and a matched process is checked for the signs
 * of one — a model port, GPU memory — before the rule may stop it without asking.
 */
import type { ModelProcess } from '../vocabulary';
import { classify } from './catalogue';
import type { ModelMatcherConfig } from './config';

/** Command lines of processes that are not model servers (shells, system daemons, editors, dev servers). */
export const NON_MODEL_COMMANDS: readonly (readonly string[])[] = [
  ['bash'],
  ['-bash'],
  ['/bin/sh', '-c', 'make test'],
  ['zsh'],
  ['/usr/bin/python3', '-m', 'http.server', '8000'],
  ['node', 'server.js'],
  ['/usr/sbin/sshd', '-D'],
  ['/lib/systemd/systemd', '--user'],
  ['/usr/bin/dbus-daemon', '--session', '--address=systemd:'],
  ['/usr/sbin/cron', '-f'],
  ['sleep', '60'],
  ['tmux'],
  ['vim', 'notes.txt'],
  ['/usr/bin/docker', 'compose', 'up'],
  ['/usr/bin/containerd'],
  ['/usr/lib/postgresql/16/bin/postgres', '-D', '/var/lib/postgresql/16/main'],
];

/** Shells and system programs: a matched process that runs one of these is never taken for a model server. */
const SHELL_OR_SYSTEM =
  /^(?:-?(?:ba|z|fi|da|k|c|tc)?sh|init|systemd|sshd|cron|dbus-daemon|login|sudo|su|tmux|screen|containerd|dockerd|docker|sleep|env|xargs|nohup|timeout)$/;

/** The sample command lines (joined) a user matcher also matches; empty when it matches none. */
export function nonModelMatches(m: ModelMatcherConfig): string[] {
  return NON_MODEL_COMMANDS.filter((argv) => classify([...argv], { matchers: [m], builtin: false })).map(
    (argv) => argv.join(' '),
  );
}

/**
 * Why a process a user matcher found does not look like a model server (a shell or system binary, or no model
 * port and no GPU memory), or undefined when it does. Such a process is stopped only after a confirmation.
 */
export function notModelLike(
  p: Pick<ModelProcess, 'exe' | 'ports' | 'gpuMemBytes'>,
  matcher: ModelMatcherConfig,
): string | undefined {
  const base = (p.exe.split(/[\\/]/).pop() ?? '').replace(/\.exe$/i, '').split(' ')[0] ?? '';
  if (SHELL_OR_SYSTEM.test(base)) return `it runs ${base}, a shell or system program`;
  const port = matcher.port === undefined ? p.ports.length > 0 : p.ports.includes(matcher.port);
  if (!port && !(p.gpuMemBytes && p.gpuMemBytes > 0))
    return matcher.port === undefined
      ? 'it listens on no port and holds no GPU memory'
      : `it does not listen on port ${matcher.port} and holds no GPU memory`;
  return undefined;
}

/**
 * Why stopping this model server needs the user's confirmation first: it was found by one of the user's own
 * matchers (the built-in catalogue knows its servers) and does not look like a model server. Undefined: no need.
 */
export function confirmationNeeded(
  p: Pick<ModelProcess, 'server' | 'exe' | 'ports' | 'gpuMemBytes'>,
  matchers: readonly ModelMatcherConfig[],
): string | undefined {
  const m = matchers.find((x) => x.name === p.server);
  return m ? notModelLike(p, m) : undefined;
}
