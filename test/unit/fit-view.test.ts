/**
 * The window's fit view (issue 21): the configured models' rows with their source, names no store holds as
 * rows that say so, and a refusal only where back-to-local would really be refused (a start command is
 * configured and the models together would spill to swap).
 */
import { describe, expect, it } from 'vitest';
import { fitViewOf, type FitReport } from '../../main/core/machine/fit';
import { testConfig } from '../fixtures/aws-endpoint/helpers';

const GiB = 1024 ** 3;
const free = { ramAvailableBytes: 8 * GiB, gpus: [] };
const report = (fits: boolean): FitReport => ({
  free,
  rows: [
    {
      name: 'llama3.1:8b',
      store: 'ollama',
      file: '/x',
      source: 'GGUF header',
      verdict: fits ? 'fits in RAM' : 'would spill to swap',
      estimate: {
        architecture: 'llama',
        quantization: 'Q4_K_M',
        parameters: 8e9,
        layers: 32,
        ctx: 4096,
        weightsBytes: 4 * GiB,
        kvBytes: GiB / 2,
        graphBytes: GiB / 4,
        needBytes: fits ? 5 * GiB : 50 * GiB,
        weightsFrom: 'file size',
      },
    },
  ],
  missing: ['gone:1b'],
  total: {
    needBytes: fits ? 5 * GiB : 50 * GiB,
    verdict: fits ? 'fits in RAM' : 'would spill to swap',
    fits,
    sentence: fits
      ? 'fits'
      : 'llama3.1:8b needs ≈ 50 GiB at 4k context; free: 8.0 GiB RAM → would spill to swap',
  },
});
const sections = (start: boolean) => ({
  switch: {
    files: [{ path: '.env', keys: { U: { aws: 'a', local: 'l' } } }],
    ...(start ? { 'local-models': { start: 'ollama serve' } } : {}),
  },
  models: { fit: { models: ['llama3.1:8b', 'gone:1b'] } },
});

describe('the window’s fit view', () => {
  it('rows with need, verdict and source; a name no store holds says so', () => {
    const v = fitViewOf(report(true), testConfig('/p', sections(true)), 42);
    expect(v.at).toBe(42);
    expect(v.rows).toEqual([
      {
        name: 'llama3.1:8b',
        needBytes: 5 * GiB,
        quantization: 'Q4_K_M',
        ctx: 4096,
        verdict: 'fits in RAM',
        source: 'GGUF header',
        error: undefined,
      },
      { name: 'gone:1b', error: 'no model store on this machine holds it' },
    ]);
    expect(v.refusal).toBeUndefined();
  });

  it('refused only when a start command would start models that do not fit', () => {
    expect(fitViewOf(report(false), testConfig('/p', sections(true)), 0).refusal).toBe(
      'llama3.1:8b needs ≈ 50 GiB at 4k context; free: 8.0 GiB RAM → would spill to swap',
    );
    expect(fitViewOf(report(false), testConfig('/p', sections(false)), 0).refusal).toBeUndefined();
  });
});
