/**
 * A minimal ZIP reader for the build tests (no unzip library is installed): reads the central
 * directory and inflates each entry, and exposes the metadata the reproducibility rules fix.
 */
import { inflateRawSync } from 'node:zlib';

export interface ZipEntryInfo {
  name: string;
  data: Buffer;
  method: number;
  /** DOS date and time fields as stored. */
  dosDate: { year: number; month: number; day: number; hour: number; minute: number; second: number };
  /** Unix mode from the external attributes. */
  mode: number;
  /** Extra field length of the local header (0: no extended timestamp). */
  localExtraLength: number;
}

/** Reads every entry of a ZIP (no ZIP64, no encryption). */
export function readZip(zip: Buffer): ZipEntryInfo[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= 0; i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new Error('not a ZIP: no end of central directory record');
  }
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntryInfo[] = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) {
      throw new Error(`bad central directory header at ${offset}`);
    }
    const method = zip.readUInt16LE(offset + 10);
    const time = zip.readUInt16LE(offset + 12);
    const date = zip.readUInt16LE(offset + 14);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const external = zip.readUInt32LE(offset + 38);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const localNameLength = zip.readUInt16LE(localOffset + 26);
    const localExtraLength = zip.readUInt16LE(localOffset + 28);
    const start = localOffset + 30 + localNameLength + localExtraLength;
    const raw = zip.subarray(start, start + compressedSize);
    entries.push({
      name,
      method,
      data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw),
      dosDate: {
        year: 1980 + (date >> 9),
        month: (date >> 5) & 0xf,
        day: date & 0x1f,
        hour: time >> 11,
        minute: (time >> 5) & 0x3f,
        second: (time & 0x1f) * 2,
      },
      mode: external >>> 16,
      localExtraLength,
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
