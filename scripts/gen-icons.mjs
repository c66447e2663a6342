// Generates every icon the app ships, with Node only (zlib + a small PNG/ICO encoder), so the icons are
// reproducible from this file: `node scripts/gen-icons.mjs`.
//   resources/tray/tray-icon-{state}{Template|Dark|}[@2x].png  (macOS template, dark and light panels)
//   resources/tray/tray-icon-{state}{Dark|}.ico                 (Windows, 16+32 px)
//   resources/icon.png (512 px, Linux/macOS packaging) and resources/icon.ico (Windows installer)
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const OUT = path.resolve(
  import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
  '..',
  'resources',
);

// --- PNG encoder -------------------------------------------------------------------------------------
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};
/** RGBA pixels (Uint8Array, w*h*4) -> PNG file bytes. */
export function encodePng(w, h, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * w * 4, w * 4).copy(raw, y * (w * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
/** PNG images -> one .ico (PNG-compressed entries, Windows Vista and later). */
export function encodeIco(images) {
  const header = Buffer.alloc(6 + images.length * 16);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, png }, i) => {
    const e = 6 + i * 16;
    header[e] = size >= 256 ? 0 : size;
    header[e + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, e + 4); // planes
    header.writeUInt16LE(32, e + 6); // bpp
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.png)]);
}

// --- Drawing: shapes in unit coordinates, 4x4 supersampled -------------------------------------------
const inRect = (x, y, x0, y0, x1, y1) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const inTriangle = (x, y, [ax, ay], [bx, by], [cx, cy]) => {
  const s = (px, py, qx, qy, rx, ry) => (px - rx) * (qy - ry) - (qx - rx) * (py - ry);
  const d1 = s(x, y, ax, ay, bx, by);
  const d2 = s(x, y, bx, by, cx, cy);
  const d3 = s(x, y, cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};
const nearSegment = (x, y, [ax, ay], [bx, by], w) => {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= w * w;
};

const BADGE = { cx: 0.74, cy: 0.74, r: 0.26 };
// The glyph: an upward arrow over a base line ("offload"), shifted left/up to leave room for a badge.
const glyph = (x, y, badged) => {
  const s = badged ? 0.86 : 1;
  const u = x / s;
  const v = y / s;
  return (
    inTriangle(u, v, [0.5, 0.06], [0.14, 0.46], [0.86, 0.46]) ||
    inRect(u, v, 0.38, 0.44, 0.62, 0.76) ||
    inRect(u, v, 0.1, 0.84, 0.9, 0.96)
  );
};
const symbol = (state, x, y) => {
  const { cx, cy, r } = BADGE;
  const w = r * 0.2;
  switch (state) {
    case 'ready':
      return (
        nearSegment(x, y, [cx - r * 0.5, cy], [cx - r * 0.12, cy + r * 0.4], w) ||
        nearSegment(x, y, [cx - r * 0.12, cy + r * 0.4], [cx + r * 0.55, cy - r * 0.42], w)
      );
    case 'failed':
      return (
        nearSegment(x, y, [cx - r * 0.45, cy - r * 0.45], [cx + r * 0.45, cy + r * 0.45], w) ||
        nearSegment(x, y, [cx - r * 0.45, cy + r * 0.45], [cx + r * 0.45, cy - r * 0.45], w)
      );
    case 'warning':
      return (
        inRect(x, y, cx - w, cy - r * 0.62, cx + w, cy + r * 0.12) ||
        inCircle(x, y, cx, cy + r * 0.45, w * 1.1)
      );
    case 'running':
      return [-0.45, 0, 0.45].some((d) => inCircle(x, y, cx + r * d, cy, w * 1.15));
    case 'drift':
      // "Not deployed": a small up arrow — the source on disk is ahead of what runs on AWS.
      return (
        inTriangle(x, y, [cx, cy - r * 0.6], [cx - r * 0.5, cy], [cx + r * 0.5, cy]) ||
        inRect(x, y, cx - w, cy - r * 0.05, cx + w, cy + r * 0.55)
      );
    default:
      return false;
  }
};
const COLORS = {
  running: [26, 115, 232],
  failed: [217, 48, 37],
  ready: [30, 142, 62],
  warning: [242, 153, 0],
  drift: [142, 36, 170],
};

/** Pixel colour (premultiplied-free RGBA 0..255) at unit coords for a state and variant. */
function shade(state, variant, x, y) {
  const badged = state !== 'idle';
  const { cx, cy, r } = BADGE;
  const inBadge = badged && inCircle(x, y, cx, cy, r);
  const inGap = badged && inCircle(x, y, cx, cy, r + 0.07);
  const fg = variant === 'dark' ? [255, 255, 255] : [32, 33, 36];
  if (inBadge) {
    const sym = symbol(state, x, y);
    if (variant === 'template') return sym ? null : [0, 0, 0];
    return sym ? [255, 255, 255] : COLORS[state];
  }
  if (inGap) return null;
  if (glyph(x, y, badged)) return variant === 'template' ? [0, 0, 0] : fg;
  return null;
}

function render(size, fn) {
  const px = new Uint8Array(size * size * 4);
  const n = 4;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = fn((i + (sx + 0.5) / n) / size, (j + (sy + 0.5) / n) / size);
          if (c) {
            r += c[0];
            g += c[1];
            b += c[2];
            a++;
          }
        }
      }
      const o = (j * size + i) * 4;
      if (a) {
        px[o] = Math.round(r / a);
        px[o + 1] = Math.round(g / a);
        px[o + 2] = Math.round(b / a);
        px[o + 3] = Math.round((a / (n * n)) * 255);
      }
    }
  }
  return encodePng(size, size, px);
}

const STATES = ['idle', 'running', 'failed', 'ready', 'warning', 'drift'];
const trayDir = path.join(OUT, 'tray');
mkdirSync(trayDir, { recursive: true });
let count = 0;
const write = (file, data) => {
  writeFileSync(file, data);
  count++;
};
for (const state of STATES) {
  for (const [suffix, variant] of [
    ['Template', 'template'],
    ['Dark', 'dark'],
    ['', 'light'],
  ]) {
    const one = render(16, (x, y) => shade(state, variant, x, y));
    const two = render(32, (x, y) => shade(state, variant, x, y));
    write(path.join(trayDir, `tray-icon-${state}${suffix}.png`), one);
    write(path.join(trayDir, `tray-icon-${state}${suffix}@2x.png`), two);
    if (variant !== 'template') {
      write(
        path.join(trayDir, `tray-icon-${state}${suffix}.ico`),
        encodeIco([
          { size: 16, png: one },
          { size: 32, png: two },
        ]),
      );
    }
  }
}
// App icon: the glyph in white on a blue rounded square.
const appIcon = (x, y) => {
  const rr = 0.18;
  const inside =
    inRect(x, y, rr, 0, 1 - rr, 1) ||
    inRect(x, y, 0, rr, 1, 1 - rr) ||
    [
      [rr, rr],
      [1 - rr, rr],
      [rr, 1 - rr],
      [1 - rr, 1 - rr],
    ].some(([cx, cy]) => inCircle(x, y, cx, cy, rr));
  if (!inside) return null;
  const u = (x - 0.2) / 0.6;
  const v = (y - 0.2) / 0.6;
  return u >= 0 && u <= 1 && v >= 0 && v <= 1 && glyph(u, v, false) ? [255, 255, 255] : [26, 95, 180];
};
write(path.join(OUT, 'icon.png'), render(512, appIcon));
write(
  path.join(OUT, 'icon.ico'),
  encodeIco([16, 32, 48, 256].map((size) => ({ size, png: render(size, appIcon) }))),
);
console.log(`wrote ${count} icon files under ${path.relative(process.cwd(), OUT) || OUT}`);
