/**
 * One label per workflow and one icon per gate state, chosen in main/core/format: the tray's menu uses the
 * same words, and an unknown gate has its own icon (never the not-ready cross, never the ready tick).
 */
import { describe, expect, test } from 'vitest';
import { ENTRY_LABELS, GATE_ICON, gateWord, workflowLabel, workflowShortLabel } from '../../main/core/format';
import { ENTRY_POINTS } from '../../main/core/vocabulary';
import type { OffloadState } from '../../main/core/state';
import { buildTrayMenu } from '../../main/app/tray-model';

describe('workflow labels', () => {
  test('each built-in entry point has its own label and short label; a project workflow is "Run <name>"', () => {
    expect(ENTRY_POINTS.map(workflowLabel)).toEqual([
      'Run local build & tests',
      'Run full workflow',
      'Deploy services only',
      'Deploy infrastructure only',
      'Test AWS services',
      'Shut down local models',
    ]);
    expect(new Set(ENTRY_POINTS.map(workflowShortLabel)).size).toBe(ENTRY_POINTS.length);
    expect(workflowLabel('nightly')).toBe('Run nightly');
    expect(workflowShortLabel('nightly')).toBe('nightly');
    // An inherited name is a project's own workflow, not a built-in one.
    expect(workflowLabel('toString')).toBe('Run toString');
  });

  test("the tray's menu items are the same labels", () => {
    const state: OffloadState = {
      project: { dir: '/p', name: 'demo', configFile: '/p/offload.yml' },
      configProblems: [],
      run: null,
      history: [],
      workflows: ENTRY_POINTS.map((name) => ({ name, phases: ['local' as const], allowed: true })),
      machine: null,
      models: [],
      aws: null,
      monitoringPaused: false,
      notices: [],
    };
    const menu = buildTrayMenu(state, { launchAtLogin: false });
    expect(ENTRY_POINTS.map((e) => menu.find((i) => i.id === `entry:${e}`)?.label)).toEqual(
      ENTRY_POINTS.map((e) => ENTRY_LABELS[e]),
    );
  });
});

describe('gate icons', () => {
  test('one icon per gate state, unknown its own', () => {
    expect(GATE_ICON).toEqual({
      ready: '✅',
      'not-ready': '❌',
      checking: '⏳',
      unknown: '❔',
      disabled: '·',
    });
    expect(new Set(Object.values(GATE_ICON)).size).toBe(5);
  });

  test('the gate in words', () => {
    expect((['ready', 'not-ready', 'checking', 'unknown', 'disabled'] as const).map(gateWord)).toEqual([
      'ready',
      'not ready',
      'checking',
      'unknown',
      'nothing to watch',
    ]);
  });
});
