/**
 * A minimal PNG writer (8-bit RGBA, no interlacing) and a tiny raster canvas, so figures and
 * episode renderings need no image dependency. Compression is node:zlib's deflate.
 */
import { deflateSync } from 'node:zlib';

/** [r, g, b] or [r, g, b, a], each 0..255. */
export type Color = readonly [number, number, number] | readonly [number, number, number, number];

export const PNG_SIGNATURE: Buffer = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (the ISO-HDLC polynomial PNG uses) of a byte sequence. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  // The CRC covers the type and the data, not the length.
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes width*height RGBA8 pixels (row-major, 4 bytes each) as a PNG file. */
export function encodePNG(width: number, height: number, rgba: Uint8Array): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`encodePNG: width and height must be positive integers, got ${width}x${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`encodePNG: expected ${width * height * 4} bytes of RGBA, got ${rgba.length}`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: truecolour with alpha
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method 0
  header[12] = 0; // no interlace

  // Every scanline is prefixed by its filter type; 0 (none) keeps the writer simple and deflate
  // still does well on the flat colour areas these images have.
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * stride, stride).copy(raw, y * (stride + 1) + 1);
  }
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** Reads width and height back from a PNG's IHDR chunk (for tests and sanity checks). */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 24 || !buf.subarray(0, 8).equals(PNG_SIGNATURE) || buf.toString('ascii', 12, 16) !== 'IHDR') {
    throw new Error('pngSize: not a PNG with a leading IHDR chunk');
  }
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

export class Canvas {
  readonly width: number;
  readonly height: number;
  /** RGBA8 pixels, row-major. */
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Color = [255, 255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`Canvas: width and height must be positive integers, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Paints one pixel (alpha-blended over what is there); pixels off the canvas are ignored. */
  setPixel(x: number, y: number, color: Color): void {
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    const a = (color[3] ?? 255) / 255;
    const d = this.data;
    if (a >= 1) {
      d[i] = color[0];
      d[i + 1] = color[1];
      d[i + 2] = color[2];
      d[i + 3] = 255;
      return;
    }
    d[i] = Math.round(color[0] * a + d[i]! * (1 - a));
    d[i + 1] = Math.round(color[1] * a + d[i + 1]! * (1 - a));
    d[i + 2] = Math.round(color[2] * a + d[i + 2]! * (1 - a));
    d[i + 3] = Math.round(255 * a + d[i + 3]! * (1 - a));
  }

  getPixel(x: number, y: number): [number, number, number, number] {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) throw new RangeError(`Canvas.getPixel: (${x},${y}) is off the ${this.width}x${this.height} canvas`);
    const i = (y * this.width + x) * 4;
    return [this.data[i]!, this.data[i + 1]!, this.data[i + 2]!, this.data[i + 3]!];
  }

  /** Fills the axis-aligned rectangle with top-left (x, y); it is clipped to the canvas. */
  fillRect(x: number, y: number, w: number, h: number, color: Color): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.setPixel(px, py, color);
  }

  /** Fills the disc of radius r centred at (cx, cy), sampling each pixel at its centre. */
  fillCircle(cx: number, cy: number, r: number, color: Color): void {
    for (let py = Math.floor(cy - r); py <= Math.ceil(cy + r); py++) {
      for (let px = Math.floor(cx - r); px <= Math.ceil(cx + r); px++) {
        const dx = px + 0.5 - cx;
        const dy = py + 0.5 - cy;
        if (dx * dx + dy * dy <= r * r) this.setPixel(px, py, color);
      }
    }
  }

  /** Copies another canvas onto this one with its top-left at (x, y). */
  drawCanvas(src: Canvas, x: number, y: number): void {
    for (let sy = 0; sy < src.height; sy++) for (let sx = 0; sx < src.width; sx++) this.setPixel(x + sx, y + sy, src.getPixel(sx, sy));
  }

  toPNG(): Buffer {
    return encodePNG(this.width, this.height, this.data);
  }
}
