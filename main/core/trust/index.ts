/**
 * Project trust. offload.yml is code: its steps run, `switch.local-models.start` starts programs, `switch.files`
 * rewrites files, `models.matchers` decide which processes may be stopped, and `gate.policy: auto` does all of
 * it without a click. None of that happens until the user has trusted the project, and trusts it again when
 * anything in it that changes behaviour changes: trust is bound to a hash of the whole config less what is only
 * shown (digest.ts), kept in the user's data folder, never in the project (store.ts). Untrusted, a project opens
 * read-only: status, history, models.
 */
import fs from 'node:fs';
import type { OffloadConfig } from '../vocabulary';
import { trustDigest } from './digest';
import { reviewActions } from './review';
import { readTrust, writeTrust } from './store';

export { DISPLAY_ONLY, trustDigest } from './digest';
export { localLogCommands, reviewActions } from './review';
export { readTrust } from './store';

/** What a project would do with the user's rights, and the hash trust is bound to. */
export interface TrustSubject {
  /** The project folder (real path). */
  dir: string;
  configFile: string;
  digest: string;
  /**
   * One entry per thing it would run, write, stop or send, in the order a user reads offload.yml: in full,
   * line breaks kept, hidden characters shown as `⟨U+XXXX⟩`.
   */
  actions: string[];
}

export type TrustStatus =
  { trusted: true } | { trusted: false; reason: 'never' | 'changed'; trustedAt?: string };

/** The hash of everything in the config that changes behaviour, and a readable list of what it would do. */
export function trustSubject(config: OffloadConfig): TrustSubject {
  let dir = config.dir;
  try {
    dir = fs.realpathSync(config.dir);
  } catch {
    // keep the configured path
  }
  return {
    dir,
    configFile: config.file,
    digest: config.trustDigest ?? trustDigest(config),
    actions: reviewActions(config),
  };
}

/** Whether the user trusts this project as it is now (an entry not sealed by this data folder does not count). */
export function trustStatus(dataDir: string, subject: TrustSubject): TrustStatus {
  const entry = readTrust(dataDir).projects.get(subject.dir);
  if (!entry) return { trusted: false, reason: 'never' };
  if (entry.digest !== subject.digest) return { trusted: false, reason: 'changed', trustedAt: entry.at };
  return { trusted: true };
}

/** Records that the user trusts this project as it is now; every other project's trust is kept. */
export function grantTrust(dataDir: string, subject: TrustSubject, now = new Date()): void {
  writeTrust(dataDir, subject.dir, {
    digest: subject.digest,
    at: now.toISOString(),
    configFile: subject.configFile,
  });
}

/** Thrown when something would run, write or stop for a project the user has not trusted (as it is now). */
export class UntrustedProject extends Error {
  override name = 'UntrustedProject';
  constructor(
    readonly subject: TrustSubject,
    readonly status: Exclude<TrustStatus, { trusted: true }>,
  ) {
    super(
      `${subject.dir} is not trusted${status.reason === 'changed' ? ' since its offload.yml changed what it runs' : ' yet'}: offload.yml runs commands with your rights. Review them with \`offload trust\`, then trust it (\`offload trust --yes\` in scripts)`,
    );
  }
}
