/**
 * Pressure alerts with duration and hysteresis: a reading must stay above its threshold for `for` before
 * an alert is raised (once per episode), and must fall below threshold − hysteresis before it clears.
 */
import { formatBytes, formatDurationCompact } from '../format';
import type { ModelProcess, PressureAlert } from '../vocabulary';
import type { AlertThreshold, WatchConfig } from './config';

/** One set of readings the tracker judges. Percentages are 0..100. */
export interface PressureReadings {
  ramPct?: number;
  cpuPct?: number;
  gpus: { index: number; name: string; memPct?: number }[];
  models: ModelProcess[];
}

interface Track {
  aboveSince?: number;
  alert?: PressureAlert;
}

/** Describes the biggest local model servers, for the alert's advice. */
export function topModels(models: ModelProcess[], n = 3): PressureAlert['topModels'] {
  return [...models]
    .sort((a, b) => b.rssBytes + (b.gpuMemBytes ?? 0) - (a.rssBytes + (a.gpuMemBytes ?? 0)))
    .slice(0, n)
    .map((m) => ({ pid: m.pid, title: m.title, rssBytes: m.rssBytes }));
}

/**
 * What the alert says about its cause: the model servers holding the most memory and what the rule does
 * about them; nothing when no model server runs (there is nothing to move to AWS).
 */
export function pressureAdvice(top: PressureAlert['topModels']): string {
  if (top.length === 0) return '';
  const [first, ...rest] = top;
  const others = rest.length
    ? ` Also: ${rest.map((m) => `${m.title} (pid ${m.pid}, ${formatBytes(m.rssBytes)})`).join(', ')}.`
    : '';
  return ` ${first!.title} (pid ${first!.pid}) holds ${formatBytes(first!.rssBytes)}: \`offload run full\` moves it to AWS, and the rule stops it once AWS is ready (now: \`offload models stop ${first!.pid}\`).${others}`;
}

/** Tracks every alert key across samples; `update` returns what was raised and cleared this time. */
export class PressureTracker {
  private tracks = new Map<string, Track>();

  constructor(private cfg: WatchConfig['alerts']) {}

  active(): PressureAlert[] {
    return [...this.tracks.values()].flatMap((t) => (t.alert ? [t.alert] : []));
  }

  update(now: number, r: PressureReadings): { raised: PressureAlert[]; cleared: PressureAlert[] } {
    const raised: PressureAlert[] = [];
    const cleared: PressureAlert[] = [];
    const seen = new Set<string>();
    const top = topModels(r.models);
    const advice = () => pressureAdvice(top);
    const judge = (
      id: string,
      th: AlertThreshold,
      value: number | undefined,
      clearBelow: number,
      text: () => string,
    ) => {
      if (!th.enabled || value === undefined) return;
      seen.add(id);
      const t = this.tracks.get(id) ?? {};
      this.tracks.set(id, t);
      if (value > th.above) {
        t.aboveSince ??= now;
        if (!t.alert && now - t.aboveSince >= th.forMs) {
          t.alert = {
            id,
            message: text() + advice(),
            since: new Date(t.aboveSince).toISOString(),
            topModels: top,
          };
          raised.push(t.alert);
        }
      } else {
        t.aboveSince = undefined;
        if (t.alert && value < clearBelow) {
          cleared.push(t.alert);
          t.alert = undefined;
        }
      }
    };
    const h = this.cfg.hysteresisPct;
    const c = this.cfg;
    judge(
      'ram',
      c.ram,
      r.ramPct,
      c.ram.above - h,
      () =>
        `RAM above ${c.ram.above}% for ${formatDurationCompact(c.ram.forMs)} (now ${r.ramPct?.toFixed(0)}%).`,
    );
    judge(
      'cpu',
      c.cpu,
      r.cpuPct,
      c.cpu.above - h,
      () =>
        `CPU above ${c.cpu.above}% for ${formatDurationCompact(c.cpu.forMs)} (now ${r.cpuPct?.toFixed(0)}%).`,
    );
    for (const g of r.gpus) {
      judge(
        `gpu-mem:${g.index}`,
        c.gpuMem,
        g.memPct,
        c.gpuMem.above - h,
        () =>
          `GPU ${g.index} (${g.name}) memory above ${c.gpuMem.above}% for ${formatDurationCompact(c.gpuMem.forMs)} (now ${g.memPct?.toFixed(0)}%).`,
      );
    }
    for (const m of r.models) {
      judge(
        `model-rss:${m.pid}`,
        c.modelRss,
        m.rssBytes,
        c.modelRss.above * (1 - h / 100),
        () =>
          `${m.title} (pid ${m.pid}) uses ${formatBytes(m.rssBytes)} of RAM, above ${formatBytes(c.modelRss.above)} for ${formatDurationCompact(c.modelRss.forMs)}.`,
      );
    }
    // A key with no reading any more (a model server that exited, a GPU gone) ends its episode.
    for (const [id, t] of this.tracks) {
      if (seen.has(id)) continue;
      if (t.alert) cleared.push(t.alert);
      this.tracks.delete(id);
    }
    return { raised, cleared };
  }
}
