/**
 * What an open project watches while the tray or `offload watch` runs: the AWS watch (wired to the rule and to
 * phase 6), the dev system's local logs, the trust file and the project's files. A part of its own: a one-shot
 * command starts none of it and never loads it.
 */
import fs from 'node:fs';
import type { ProjectEffects } from '../boundary';
import { createAwsWatch, type AwsWatch } from '../aws/watch';
import type { Phase6Watch } from '../deployments/phase6-watch';
import { LocalLogWatch } from '../notify/local-logs';
import { watchProjectFiles } from '../platform/watch-files';
import type { RuleWiring } from '../rule/wire';
import type { DisposableStore } from '../units/disposable';
import { Poller } from '../units/poller';
import { makeDirs } from '../platform/make-dirs';
import type { AwsSnapshot } from '../vocabulary';
import type { OpenProjectOptions } from './open-project';

/** What the watches attach to: the open project's options, store, rule and phase 6. */
export interface ProjectWatchesContext {
  o: OpenProjectOptions;
  /** Everything started here is closed with it. */
  store: DisposableStore;
  rule: RuleWiring;
  phase6: Phase6Watch;
  effects: ProjectEffects;
  trusted: boolean;
  configTarget: () => AwsSnapshot['configTarget'];
  refreshAvailability: () => void;
}

/** Starts the watches (see file comment); returns the AWS watch. */
export function startProjectWatches(c: ProjectWatchesContext): AwsWatch {
  const { config, history } = c.o.project;
  const { notifier, dataDir, env, log } = c.o;
  const aws = createAwsWatch({
    config,
    effects: c.effects,
    notifier,
    journal: history,
    env,
    dataDir,
    log,
    configTarget: c.configTarget,
    deployments: () => c.phase6.all(),
  });
  c.store.addFn(() => aws.stop());
  c.store.addFn(c.rule.attach(aws));
  c.store.addFn(
    aws.subscribe(() => {
      // A deploy run by another process (`offload run services` beside `offload watch`) is phase 6's too.
      c.phase6.reloadDeployments();
      c.o.changed();
    }),
  );
  if (!c.o.monitoringPaused) aws.start();
  // Phase 6, local side: the dev system's log files, polled with CloudWatch's interval. Files are only
  // read; a command is the project's code, so it runs only once the project is trusted.
  const notify = config.notify;
  const localLogs = notify.localLogs.filter((l) => l.path || c.trusted);
  if (localLogs.length) {
    const local = new LocalLogWatch({ dir: config.dir, logs: localLogs, notifier, trusted: c.trusted });
    c.store.addFn(() => local.close());
    // Local log errors are kept in the journal beside CloudWatch's (`offload errors`, `offload journal`).
    c.store.addFn(
      notifier.subscribe((n) => {
        if (n.source !== 'local-logs' || n.level !== 'error') return;
        try {
          history.appendProjectEvent('local-errors', { title: n.title, body: n.body, item: n.target.item });
        } catch (err) {
          c.o.log(`offload: could not record local errors in history: ${(err as Error).message}`);
        }
      }),
    );
    c.store.add(new Poller(() => local.poll(), { intervalMs: Math.min(notify.intervalMs, 5000) })).start();
  }
  // A trust given elsewhere (`offload trust` in a terminal) shows at once: the data folder is watched too.
  try {
    makeDirs(dataDir, 0o700);
    const w = fs.watch(dataDir, { persistent: false }, (_e, name) => {
      if (String(name) === 'trust.json') c.refreshAvailability();
    });
    w.on('error', () => w.close());
    c.store.addFn(() => w.close());
  } catch {
    // no data folder watch: the next file change or run re-reads the trust
  }
  // The gates follow the project's files (debounced), instead of re-running git on a timer.
  c.store.addFn(
    watchProjectFiles(config.dir, c.refreshAvailability, {
      debounceMs: c.o.fileChangeDebounceMs ?? 500,
      ignore: [dataDir],
    }),
  );
  return aws;
}
