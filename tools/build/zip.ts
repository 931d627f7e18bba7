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
