import { inflateRawSync } from 'node:zlib';
import { ZipFile } from 'yazl';

/** Fixed modification time of every ZIP entry (local time, as the DOS timestamp has no zone). */
export const ZIP_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** Regular file, rw-r--r-- (Lambda needs the handler readable by its runtime user). */
export const ZIP_FILE_MODE = 0o100644;
export const ZIP_COMPRESSION_LEVEL = 9;

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/**
 * Writes a ZIP whose bytes depend only on the entries: fixed order (by name), fixed mtime and
 * mode, DOS timestamps only (no extended-time field, which would carry the build machine's
 * clock and zone), deflate at a fixed level (zlib in Node 22 is deterministic for equal input).
 */
export function reproducibleZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new ZipFile();
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of sorted) {
    zip.addBuffer(entry.data, entry.name, {
      mtime: ZIP_MTIME,
      mode: ZIP_FILE_MODE,
      compressionLevel: ZIP_COMPRESSION_LEVEL,
      forceDosTimestamp: true,
    });
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

// Reading: the build's tests check what reproducibleZip wrote, the secret scan looks inside the
// ZIPs, and the local runtime takes index.js out of a built ZIP. No unzip library is installed;
// this reads the central directory (stored or deflated entries, no ZIP64, no encryption).

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
    if (method !== 0 && method !== 8) {
      throw new Error(
        `ZIP entry ${zip.toString('utf8', offset + 46, offset + 46 + zip.readUInt16LE(offset + 28))} uses compression method ${method}, which is not supported`,
      );
    }
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

/** One entry's contents; throws naming the entry when the archive does not hold it. */
export function readZipEntry(zip: Buffer, name: string): Buffer {
  const entry = readZip(zip).find((e) => e.name === name);
  if (!entry) {
    throw new Error(`ZIP archive has no entry ${name}`);
  }
  return entry.data;
}
