/**
 * Will it fit, as the window shows it beside "Back to local": the configured models (`models.fit.models`),
 * each one's need, what is free, the verdict, where the numbers came from, and whether back-to-local would be
 * refused. The state snapshot asks for it on every update, so the check itself runs only when the project's
 * config or the running model servers changed, or once a minute (headers only, ~7 ms for 20 models; never
 * the weights); in between the last view is handed out as it is.
 */
import type { MachineSnapshot, ModelProcess, OffloadConfig } from '../../vocabulary';
import { checkProjectFit, type FitReport, type FitSource } from './index';
import type { FitVerdict, FreeMemory } from './verdict';

/** One configured model's row in the window. */
export interface FitViewRow {
  name: string;
  needBytes?: number;
  quantization?: string;
  ctx?: number;
  verdict?: FitVerdict;
  source?: FitSource;
  /** Why it could not be estimated (unreadable header, no store holds it, Ollama did not answer). */
  error?: string;
}

/** The fit table the window shows beside its Back to local action. */
export interface FitView {
  /** When it was computed (ms since the epoch). */
  at: number;
  free: FreeMemory;
  rows: FitViewRow[];
  /** The configured models together: what back-to-local would start. */
  total: FitReport['total'];
  /** Set when back-to-local would be refused now (without --force): the sentence with the numbers. */
  refusal?: string;
}

/** How often the view is recomputed while nothing it depends on changed. */
export const FIT_REFRESH_MS = 60_000;

/** The rows and refusal of a report, for the configured models of `config`. */
export function fitViewOf(r: FitReport, config: OffloadConfig, at: number): FitView {
  const rows: FitViewRow[] = r.rows.map((x) => ({
    name: x.name,
    needBytes: x.estimate?.needBytes,
    quantization: x.estimate?.quantization,
    ctx: x.estimate?.ctx,
    verdict: x.verdict,
    source: x.source,
    error: x.error,
  }));
  for (const name of r.missing) rows.push({ name, error: 'no model store on this machine holds it' });
  const refused = Boolean(config.switch.localModelsStart) && !r.total.fits;
  return { at, free: r.free, rows, total: r.total, ...(refused ? { refusal: r.total.sentence } : {}) };
}

/** What the cache reads from the machine watch. */
interface MachineView {
  snapshot(): MachineSnapshot | null;
  models(): ModelProcess[];
}

/** The last fit view of the open project, recomputed in the background when it is out of date. */
export class FitCache {
  private view: FitView | null = null;
  private config: OffloadConfig | null = null;
  private key = '';
  private at = 0;
  private running: Promise<void> | null = null;

  constructor(
    private readonly o: {
      env: NodeJS.ProcessEnv;
      /** Called when a new view is ready (the facade's coalesced change signal). */
      changed: () => void;
      everyMs?: number;
      now?: () => number;
    },
  ) {}

  /**
   * The view for `config` now (null until the first check finished, or without configured models). An
   * untrusted project's model names are read against the stores on disk only: the local Ollama is not asked.
   */
  get(config: OffloadConfig | null, machine: MachineView, trusted = false): FitView | null {
    if (config !== this.config) {
      this.config = config;
      this.view = null;
      this.key = '';
    }
    if (!config?.models?.fit?.models.length) return null;
    const now = (this.o.now ?? Date.now)();
    const key = `${trusted}:${machine
      .models()
      .map((m) => m.pid)
      .join(',')}`;
    const stale = key !== this.key || now - this.at >= (this.o.everyMs ?? FIT_REFRESH_MS);
    if (stale && !this.running) {
      this.key = key;
      this.at = now;
      this.running = this.refresh(config, machine.snapshot(), trusted).finally(() => (this.running = null));
    }
    return this.view;
  }

  /** Resolves when the check in flight (if any) is done (tests). */
  async settled(): Promise<void> {
    await this.running;
  }

  private async refresh(
    config: OffloadConfig,
    snapshot: MachineSnapshot | null,
    trusted: boolean,
  ): Promise<void> {
    try {
      const r = await checkProjectFit(config, {
        names: config.models.fit.models,
        env: this.o.env,
        snapshot,
        ...(trusted ? {} : { ollama: null }),
      });
      if (config !== this.config) return;
      this.view = fitViewOf(r, config, (this.o.now ?? Date.now)());
    } catch {
      // A check that failed leaves the last view; the next change or minute tries again.
      return;
    }
    this.o.changed();
  }
}
