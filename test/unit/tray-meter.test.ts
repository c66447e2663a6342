/**
 * The tray icon's load meter: five steps, unknown load draws nothing, and the bar is drawn into the real
 * icon PNGs (decoded and re-encoded losslessly).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodePng, drawMeter, encodePng, iconWithMeter, meterLevel } from '../../main/app/tray-meter';

const icon = (f: string) => fs.readFileSync(path.resolve(__dirname, '../../resources/tray', f));

describe('meterLevel', () => {
  test('quantises load to five steps so the icon changes rarely; unknown is no meter', () => {
    expect([0, 12, 13, 37, 38, 62, 63, 87, 88, 100, 140].map(meterLevel)).toEqual([
      0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 4,
    ]);
    expect(meterLevel(undefined)).toBeNull();
    expect(meterLevel(Number.NaN)).toBeNull();
  });
});

describe('drawing', () => {
  test('PNG round trip is lossless on the generated icons', () => {
    const png = icon('tray-icon-failed@2x.png');
    const { width, height, rgba } = decodePng(png);
    expect([width, height]).toEqual([32, 32]);
    expect(decodePng(encodePng(width, height, rgba)).rgba).toEqual(rgba);
    expect(() => decodePng(Buffer.from('GIF89a'))).toThrow(/not a PNG/);
  });

  test('the bar fills level/4 of the height from the bottom, leaves the rest of the icon alone', () => {
    const { width, height, rgba } = decodePng(icon('tray-icon-idle.png'));
    for (const level of [0, 1, 2, 4]) {
      const out = drawMeter(rgba, width, height, level, [10, 20, 30]);
      const bar = 2;
      const filledRows = [...Array(height).keys()].filter((y) => out[(y * width + 0) * 4 + 3] === 255);
      expect(filledRows.length).toBe((height * level) / 4);
      if (level) expect(Math.min(...filledRows)).toBe(height - (height * level) / 4);
      // The gap column is transparent; everything right of it is untouched.
      for (let y = 0; y < height; y++) expect(out[(y * width + bar) * 4 + 3]).toBe(0);
      for (let y = 0; y < height; y++)
        for (let x = (bar + 1) * 4; x < width * 4; x++)
          expect(out[y * width * 4 + x]).toBe(rgba[y * width * 4 + x]);
    }
    expect(drawMeter(rgba, width, height, 4, [10, 20, 30]).subarray(0, 3)).toEqual(
      new Uint8Array([10, 20, 30]),
    );
  });

  test('iconWithMeter gives a valid PNG of the same size', () => {
    const out = iconWithMeter(icon('tray-icon-readyDark@2x.png'), 3, [255, 255, 255]);
    const d = decodePng(out);
    expect([d.width, d.height]).toEqual([32, 32]);
    expect(d.rgba[(31 * 32 + 0) * 4 + 3]).toBe(255);
    expect(d.rgba[(0 * 32 + 0) * 4 + 3]).toBe(0);
  });
});
