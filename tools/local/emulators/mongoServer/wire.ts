/**
 * MongoDB wire protocol framing: OP_MSG (all commands since MongoDB 3.6) and the legacy
 * OP_QUERY / OP_REPLY pair that drivers still use for the first `isMaster` handshake.
 * https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/
 */
import { deserialize, serialize, type Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

const HEADER_BYTES = 16;
const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;

/** A command decoded from one request, with where to send the answer. */
export interface WireRequest {
  requestId: number;
  opCode: typeof OP_MSG | typeof OP_QUERY;
  /** The command document; OP_MSG document sequences (kind 1) are merged in as arrays. */
  command: Document;
  /** OP_MSG moreToCome: the client expects no reply (unacknowledged write). */
  noReply: boolean;
}

/** Splits complete messages off the front of `buffer`; returns them and the unconsumed rest. */
export function takeMessages(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 4) {
    const length = buffer.readInt32LE(offset);
    if (length < HEADER_BYTES) {
      throw new Error(`invalid message length ${length}`);
    }
    if (buffer.length - offset < length) {
      break;
    }
    messages.push(buffer.subarray(offset, offset + length));
    offset += length;
  }
  return { messages, rest: buffer.subarray(offset) };
}

/** Decodes one complete message. Throws on op codes this server does not speak. */
export function decodeRequest(message: Buffer): WireRequest {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_MSG) {
    const flags = message.readUInt32LE(HEADER_BYTES);
    const end = message.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
    let offset = HEADER_BYTES + 4;
    let command: Document = {};
    const sequences: Record<string, Document[]> = {};
    while (offset < end) {
      const kind = message.readUInt8(offset);
      offset += 1;
      if (kind === 0) {
        const size = message.readInt32LE(offset);
        command = deserialize(message.subarray(offset, offset + size));
        offset += size;
      } else if (kind === 1) {
        const size = message.readInt32LE(offset);
        const sectionEnd = offset + size;
        const nameEnd = message.indexOf(0, offset + 4);
        const identifier = message.toString('utf8', offset + 4, nameEnd);
        let docOffset = nameEnd + 1;
        const docs: Document[] = [];
        while (docOffset < sectionEnd) {
          const docSize = message.readInt32LE(docOffset);
          docs.push(deserialize(message.subarray(docOffset, docOffset + docSize)));
          docOffset += docSize;
        }
        sequences[identifier] = docs;
        offset = sectionEnd;
      } else {
        throw new Error(`unsupported OP_MSG section kind ${kind}`);
      }
    }
    return { requestId, opCode, command: { ...command, ...sequences }, noReply: (flags & MORE_TO_COME) !== 0 };
  }
  if (opCode === OP_QUERY) {
    // flags(int32) fullCollectionName(cstring) numberToSkip(int32) numberToReturn(int32) query
    const nameEnd = message.indexOf(0, HEADER_BYTES + 4);
    const queryOffset = nameEnd + 1 + 8;
    const size = message.readInt32LE(queryOffset);
    const query = deserialize(message.subarray(queryOffset, queryOffset + size));
    const command = query.$query && typeof query.$query === 'object' ? (query.$query as Document) : query;
    return { requestId, opCode, command, noReply: false };
  }
  throw new Error(`unsupported op code ${opCode} (compression is not offered, so OP_COMPRESSED should not arrive)`);
}

/** Encodes `reply` in the same protocol the request came in (OP_MSG, or OP_REPLY for OP_QUERY). */
export function encodeReply(request: WireRequest, reply: Document, responseId: number): Buffer {
  const body = serialize(reply, { ignoreUndefined: true });
  if (request.opCode === OP_MSG) {
    const header = Buffer.alloc(HEADER_BYTES + 5);
    header.writeInt32LE(HEADER_BYTES + 5 + body.length, 0);
    header.writeInt32LE(responseId, 4);
    header.writeInt32LE(request.requestId, 8);
    header.writeInt32LE(OP_MSG, 12);
    header.writeUInt32LE(0, 16);
    header.writeUInt8(0, 20);
    return Buffer.concat([header, body]);
  }
  // OP_REPLY: responseFlags(int32) cursorID(int64) startingFrom(int32) numberReturned(int32) docs
  const header = Buffer.alloc(HEADER_BYTES + 20);
  header.writeInt32LE(HEADER_BYTES + 20 + body.length, 0);
  header.writeInt32LE(responseId, 4);
  header.writeInt32LE(request.requestId, 8);
  header.writeInt32LE(OP_REPLY, 12);
  header.writeInt32LE(0, 16);
  header.writeBigInt64LE(0n, 20);
  header.writeInt32LE(0, 28);
  header.writeInt32LE(1, 32);
  return Buffer.concat([header, body]);
}
