/**
 * The Errors section: the newest CloudWatch errors with their console links, the local logs' errors (where a
 * local-log notice's click lands), phase 6's verdict when the deployment is unstable, and the loop's two
 * actions (copy the error context, redeploy after the fix).
 */
import type { CloudWatchError, OffloadState } from '../../main/core/state';
import { lastError, localLogRows, phase6Of, relativeTime, type LocalLogRow } from '../../main/core/format';
import { el, keyedList, SectionMemo, setAttr, setText } from '../dom';
import { formatTime } from '../format';
import { $, type Section } from '../view-context';

/** CloudWatch errors shown (newest first); the rest are counted in the section's badge. */
const ERRORS_SHOWN = 3;
/** Local log files (or commands) shown, one row each with its newest notice. */
const LOCAL_SHOWN = 5;

/** The Errors section. */
export function errorsSection(): Section {
  const memo = new SectionMemo();
  return {
    render(s) {
      const all = s.aws?.recentErrors ?? [];
      const local = localLogRows(s.notices).slice(0, LOCAL_SHOWN);
      const p6 = phase6Of(s);
      const minute = Math.floor(Date.now() / 60_000);
      const services = s.workflows.find((w) => w.name === 'services');
      const running = s.run?.status === 'running';
      if (
        !memo.changed('errors', [
          all.length,
          all.slice(-ERRORS_SHOWN),
          local,
          p6 ? [p6.status, p6.firstError, p6.deployment, minute] : null,
          services ?? null,
          running,
        ])
      )
        return;
      // Newest first (the core keeps them oldest first).
      const errors = all.slice(-ERRORS_SHOWN).reverse();
      keyedList(
        $('errors'),
        errors,
        (e) => `${e.logGroup}|${e.at}|${e.message.slice(0, 80)}`,
        createRow,
        updateRow,
        ERRORS_SHOWN,
      );
      keyedList($('local-errors'), local, (r) => r.item, createLocalRow, updateLocalRow, LOCAL_SHOWN);
      const unstable = p6?.status === 'unstable';
      const line = $('phase6-line');
      line.hidden = !unstable;
      if (unstable) {
        const first = p6.firstError;
        setText(
          line,
          `❌ Unstable${p6.deployment ? ` after deploy of ${p6.deployment.summary} (${relativeTime(p6.deployment.at, Date.now())} ago)` : ''}${first ? ` — first error ${formatTime(first.at)}: ${first.message}` : ''}`,
        );
      }
      $('errors-empty').hidden = all.length > 0 || local.length > 0 || unstable;
      const count = all.length + local.length;
      setText($('badge-errors'), count ? String(count) : unstable ? 'unstable' : 'none');
      renderActions(s);
    },
  };
}

function createRow(e: CloudWatchError): HTMLElement {
  return el(
    'li',
    { 'data-item': e.logGroup, tabindex: '-1' },
    el(
      'span',
      { class: 'grow' },
      el(
        'span',
        { class: 'err-head' },
        el('span', { class: 'muted meta' }),
        el('a', { href: e.consoleUrl, 'data-external': '', rel: 'noreferrer' }, 'console'),
      ),
      el('span', { class: 'bad msg' }),
    ),
  );
}

function updateRow(node: HTMLElement, e: CloudWatchError): void {
  const meta = node.querySelector('.meta')!;
  setText(
    meta,
    `${formatTime(e.at)} · ${e.logGroup}${e.count > 1 ? ` ×${e.count}` : ''}${e.deployment ? ` · ${e.deployment}` : ''}`,
  );
  setAttr(
    meta,
    'title',
    `${e.at} · ${e.logGroup}${e.logStream ? ` / ${e.logStream}` : ''}${e.count > 1 ? ` · ${e.count} times` : ''}${e.deployment ? ` · ${e.deployment}` : ''}`,
  );
  const msg = node.querySelector('.msg')!;
  setText(msg, e.message.length > 300 ? `${e.message.slice(0, 299)}…` : e.message);
  setAttr(msg, 'title', e.message.slice(0, 2000));
  setAttr(node.querySelector('a')!, 'aria-label', `Open ${e.logGroup} in the CloudWatch console`);
}

function createLocalRow(r: LocalLogRow): HTMLElement {
  return el(
    'li',
    { 'data-item': r.item, tabindex: '-1' },
    el(
      'span',
      { class: 'grow' },
      el('span', { class: 'err-head' }, el('span', { class: 'muted meta' })),
      el('span', { class: 'msg' }),
    ),
  );
}

function updateLocalRow(node: HTMLElement, r: LocalLogRow): void {
  setText(node.querySelector('.meta')!, `${formatTime(r.at)} · local · ${r.title}`);
  const msg = node.querySelector('.msg')!;
  msg.className = `msg ${r.level === 'error' ? 'bad' : 'warn'}`;
  setText(msg, r.body.length > 300 ? `${r.body.slice(0, 299)}…` : r.body);
  setAttr(msg, 'title', r.body.slice(0, 2000));
}

/** Copy error context (only with an error) and Redeploy after fix (only when services may run now). */
function renderActions(s: OffloadState): void {
  const copy = $('copy-error') as HTMLButtonElement;
  const hasError = Boolean(lastError(s));
  copy.disabled = !hasError;
  setAttr(
    copy,
    'title',
    hasError
      ? 'Copy the errors, the lines around them, the deployment and the console links as Markdown'
      : 'No error yet',
  );
  const ack = $('ack-phase6') as HTMLButtonElement;
  const unstable = phase6Of(s)?.status === 'unstable';
  ack.disabled = !unstable;
  setAttr(
    ack,
    'title',
    unstable
      ? 'The cause is resolved (a transient alarm cleared): watch this deployment again through a new quiet period, without redeploying'
      : 'Nothing unstable to acknowledge',
  );
  const services = s.workflows.find((w) => w.name === 'services');
  const redeploy = $('redeploy') as HTMLButtonElement;
  const why = !services
    ? 'offload.yml has no services workflow'
    : s.run?.status === 'running'
      ? 'a workflow is running'
      : services.allowed
        ? ''
        : (services.reason ?? 'not allowed now');
  redeploy.disabled = Boolean(why);
  setAttr(
    redeploy,
    'title',
    why ? `Redeploy after fix: ${why}` : 'Deploy the services again (the gates apply as always)',
  );
}
