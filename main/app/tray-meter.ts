/**
 * The small live load meter in the tray icon: a vertical bar along the icon's left edge, in five steps, so
 * the icon changes only when the load crosses a step. Works on the app's own PNG icons (8-bit RGBA,
 * written by scripts/gen-icons.mjs) with a tiny PNG reader/writer, so it looks the same on every OS.
 */
import zlib from 'node:zlib';

/** Load (0..100) as a meter step 0..4; null when the load is unknown (no bar: unknown is not "idle"). */
export function meterLevel(load: number | undefined): number | null {
  if (load === undefined || !Number.isFinite(load)) return null;
  return Math.max(0, Math.min(4, Math.round(load / 25)));
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Decodes an 8-bit RGBA, non-interlaced PNG (what gen-icons writes); throws on anything else. */
export function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0)
        throw new Error('only 8-bit RGBA non-interlaced PNGs');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 4 ? out[y * stride + x - 4]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4]! : 0;
      let p = 0;
      if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) {
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = (v + p) & 0xff;
    }
  }
  return { width, height, rgba: out };
}

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf: Buffer) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
};

/** Encodes RGBA pixels as a PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++)
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Draws the meter into a copy of `rgba`: a cleared strip on the left edge, and in it a bar from the bottom
 * whose height is level/4 of the icon.
 */
export function drawMeter(
  rgba: Uint8Array,
  width: number,
  height: number,
  level: number,
  color: readonly [number, number, number],
): Uint8Array {
  const out = new Uint8Array(rgba);
  const bar = Math.max(2, Math.round(width / 8));
  const filled = Math.round((height * level) / 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x <= bar && x < width; x++) {
      const o = (y * width + x) * 4;
      const on = x < bar && y >= height - filled;
      out[o] = on ? color[0] : 0;
      out[o + 1] = on ? color[1] : 0;
      out[o + 2] = on ? color[2] : 0;
      out[o + 3] = on ? 255 : 0;
    }
  }
  return out;
}

/** The icon PNG with the meter drawn in. */
export function iconWithMeter(png: Buffer, level: number, color: readonly [number, number, number]): Buffer {
  const { width, height, rgba } = decodePng(png);
  return encodePng(width, height, drawMeter(rgba, width, height, level, color));
}
