/**
 * The AWS section: the gate and why, the config switch (to AWS only through the gate), the deployment phase
 * 6 watches, drift since that deployment, and one row per service, endpoint and alarm.
 */
import type { AwsSnapshot, OffloadState } from '../../main/core/state';
import {
  costDetails,
  costReliefLine,
  driftOf,
  driftText,
  GATE_ICON,
  gateWord,
  phase6Of,
  relativeTime,
  type DriftView,
  type Phase6View,
} from '../../main/core/format';
import { STATUS_ICON } from '../../main/core/vocabulary';
import { el, keyedList, SectionMemo, setAttr, setText } from '../dom';
import { $, type Section } from '../view-context';

/** The AWS section. */
export function awsSection(): Section {
  const memo = new SectionMemo();
  return {
    render(s) {
      const aws = s.aws;
      const p6 = phase6Of(s);
      const drift = driftOf(s);
      renderCost(s, memo);
      // Relative times ("4 min ago") are worded to the minute: the key changes at most once a minute for them.
      const minute = Math.floor(Date.now() / 60_000);
      if (
        !memo.changed('aws', [
          aws
            ? [aws.gate, aws.reason, aws.services, aws.endpoints, aws.alarms, aws.configTarget]
            : (s.project?.dir ?? null),
          p6 ? [p6.status, p6.deployment, p6.since, p6.quietUntil, minute] : null,
          drift ?? null,
        ])
      )
        return;
      const now = Date.now();
      const gate = $('gate');
      setText(gate, gateText(s));
      renderSwitch(aws);
      setAttr(gate, 'class', `gate ${aws?.gate ?? 'unknown'}`);
      const deploy = $('deploy-line');
      deploy.hidden = !p6?.deployment;
      if (p6?.deployment)
        setText(deploy, `Deployed ${p6.deployment.summary}, ${relativeTime(p6.deployment.at, now)} ago`);
      const driftLine = $('drift-line');
      driftLine.hidden = !drift;
      if (drift) setText(driftLine, driftText(drift));
      keyedList(
        $('aws-items'),
        awsItems(aws),
        (i) => i.key,
        (i) => el('li', { 'data-item': i.item, tabindex: '-1' }, el('span', { class: 'grow' })),
        (node, i) => setText(node.querySelector('.grow')!, i.text),
        40,
      );
      setText($('badge-aws'), badge(aws, p6, drift));
    },
  };
}

/** "AWS ≈ $0.42/h since 09:12 ($1.90) · freed 9.2 GiB RAM", and what the estimate does not know, from the state. */
function renderCost(s: OffloadState, memo: SectionMemo): void {
  const line = costReliefLine(s.cost, s.relief);
  const details = costDetails(s.cost);
  if (!memo.changed('cost', [line ?? null, details])) return;
  const p = $('cost-line');
  p.hidden = !line;
  setText(p, line ?? '');
  setAttr(p, 'class', s.cost?.budget?.exceeded ? 'warn' : 'muted');
  const ul = $('cost-details');
  ul.hidden = details.length === 0;
  keyedList(
    ul,
    details.map((text, i) => ({ id: String(i), text })),
    (d) => d.id,
    (d) => el('li', { 'data-item': `cost-${d.id}` }),
    (node, d) => setText(node, d.text),
    20,
  );
}

/** "Gate: AWS ready ✅ · dev tools point at aws", "Gate: not ready ❌ — reason", … */
function gateText(s: OffloadState): string {
  const aws = s.aws;
  if (!aws) return s.project ? 'AWS is not being watched.' : 'No project: AWS is not watched.';
  if (aws.gate === 'ready')
    return `Gate: AWS ready ${GATE_ICON.ready}${aws.configTarget === 'unknown' ? '' : ` · dev tools point at ${aws.configTarget}`}`;
  if (aws.gate === 'disabled') return 'Gate: nothing configured to watch';
  return `Gate: ${gateWord(aws.gate)} ${GATE_ICON[aws.gate]}${aws.reason ? ` — ${aws.reason}` : ''}`;
}

// The switch: shown when offload.yml has `switch:` files; the current target's button is disabled.
function renderSwitch(aws: AwsSnapshot | null): void {
  const target = aws?.configTarget ?? 'unknown';
  $('switch-row').hidden = target === 'unknown';
  // To AWS only through the gate (the core refuses otherwise): the button says why it is off.
  const toAws = $('switch-aws') as HTMLButtonElement;
  toAws.disabled = target === 'aws' || aws?.gate !== 'ready';
  setAttr(
    toAws,
    'title',
    target === 'aws'
      ? 'The dev tools point at AWS'
      : aws?.gate !== 'ready'
        ? `AWS is not ready${aws?.reason ? `: ${aws.reason}` : ''}`
        : 'Point the dev tools at AWS',
  );
  const toLocal = $('switch-local') as HTMLButtonElement;
  toLocal.disabled = target === 'local';
  setAttr(
    toLocal,
    'title',
    target === 'local'
      ? 'The dev tools point at the local models'
      : 'Point the dev tools back at the local models',
  );
}

/** One row per service, endpoint and alarm the gate watches. */
function awsItems(aws: AwsSnapshot | null): { key: string; item: string; text: string }[] {
  return [
    ...(aws?.services ?? []).map((x) => ({
      key: `svc:${x.cluster}/${x.service}`,
      item: x.service,
      text: `${STATUS_ICON[x.status]} ${x.service} (${x.cluster}) ${x.running ?? '?'}/${x.desired ?? '?'}${x.rollout ? ` · ${x.rollout}` : ''}${x.message ? ` · ${x.message}` : ''}`,
    })),
    ...(aws?.endpoints ?? []).map((x) => ({
      key: `ep:${x.name}`,
      item: x.name,
      text: `${STATUS_ICON[x.status]} ${x.name} ${x.consecutivePasses}/${x.required}${x.lastResult ? ` · ${x.lastResult}` : ''}`,
    })),
    ...(aws?.alarms ?? []).map((x) => ({
      key: `alarm:${x.name}`,
      item: x.name,
      text: `${x.state === 'OK' ? '✅' : x.state === 'ALARM' ? '❌' : '❔'} alarm ${x.name}: ${x.state}${x.reason ? ` — ${x.reason}` : ''}`,
    })),
  ];
}

/** "✅ ready · tools → AWS · watching · 3 not deployed". */
function badge(aws: AwsSnapshot | null, p6: Phase6View | undefined, drift: DriftView | undefined): string {
  const gate = !aws
    ? 'not watched'
    : aws.gate === 'disabled'
      ? gateWord(aws.gate)
      : `${GATE_ICON[aws.gate]} ${gateWord(aws.gate)}`;
  const target = aws?.configTarget ?? 'unknown';
  return `${gate}${target === 'aws' ? ' · tools → AWS' : ''}${p6 && p6.status !== 'idle' ? ` · ${p6.status}` : ''}${drift ? ` · ${drift.changed} not deployed` : ''}`;
}
