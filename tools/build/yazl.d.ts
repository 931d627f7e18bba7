// Minimal typings of the parts of yazl (ZIP writer, no @types package installed) the build uses.
declare module 'yazl' {
  import type { Readable } from 'node:stream';

  export interface EntryOptions {
    mtime?: Date;
    mode?: number;
    compress?: boolean;
    compressionLevel?: number;
    forceDosTimestamp?: boolean;
    forceZip64Format?: boolean;
    fileComment?: string | Buffer;
    size?: number;
  }

  export class ZipFile {
    outputStream: Readable;
    addBuffer(buffer: Buffer, metadataPath: string, options?: EntryOptions): void;
    end(
      options?: { comment?: string | Buffer; forceZip64Format?: boolean },
      callback?: (totalSize: number) => void,
    ): void;
  }
}
