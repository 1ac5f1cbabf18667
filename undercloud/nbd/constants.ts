/**
 * Wire constants of the NBD protocol (NetworkBlockDevice/nbd doc/proto.md). Names follow the spec with
 * the NBD_ prefix dropped, so a reader can grep the spec for any of them.
 */

/** "NBDMAGIC": the first 8 bytes a server sends. */
export const NBDMAGIC = 0x4e42444d41474943n;
/** "IHAVEOPT": newstyle negotiation magic (server greeting and every client option). */
export const IHAVEOPT = 0x49484156454f5054n;
/** Magic of every option reply the server sends during negotiation. */
export const OPTION_REPLY_MAGIC = 0x3e889045565a9n;

export const REQUEST_MAGIC = 0x25609513;
export const SIMPLE_REPLY_MAGIC = 0x67446698;
export const STRUCTURED_REPLY_MAGIC = 0x668e33ef;

/** Handshake flags (server -> client). */
export const FLAG_FIXED_NEWSTYLE = 1 << 0;
export const FLAG_NO_ZEROES = 1 << 1;
/** Client flags (client -> server). */
export const FLAG_C_FIXED_NEWSTYLE = 1 << 0;
export const FLAG_C_NO_ZEROES = 1 << 1;

export const Opt = {
  EXPORT_NAME: 1,
  ABORT: 2,
  LIST: 3,
  STARTTLS: 5,
  INFO: 6,
  GO: 7,
  STRUCTURED_REPLY: 8,
  LIST_META_CONTEXT: 9,
  SET_META_CONTEXT: 10,
} as const;

const ERR = 0x80000000;
export const Rep = {
  ACK: 1,
  SERVER: 2,
  INFO: 3,
  META_CONTEXT: 4,
  ERR_UNSUP: ERR + 1,
  ERR_POLICY: ERR + 2,
  ERR_INVALID: ERR + 3,
  ERR_PLATFORM: ERR + 4,
  ERR_TLS_REQD: ERR + 5,
  ERR_UNKNOWN: ERR + 6,
  ERR_SHUTDOWN: ERR + 7,
  ERR_BLOCK_SIZE_REQD: ERR + 8,
  ERR_TOO_BIG: ERR + 9,
} as const;

export function isErrorReply(type: number): boolean {
  return type >= ERR;
}

export function repName(type: number): string {
  for (const [k, v] of Object.entries(Rep)) if (v === type) return `NBD_REP_${k}`;
  return `NBD_REP_${type >= ERR ? 'ERR_' : ''}0x${type.toString(16)}`;
}

export const Info = { EXPORT: 0, NAME: 1, DESCRIPTION: 2, BLOCK_SIZE: 3 } as const;

/** Transmission flags (per export). */
export const TFlag = {
  HAS_FLAGS: 1 << 0,
  READ_ONLY: 1 << 1,
  SEND_FLUSH: 1 << 2,
  SEND_FUA: 1 << 3,
  ROTATIONAL: 1 << 4,
  SEND_TRIM: 1 << 5,
  SEND_WRITE_ZEROES: 1 << 6,
  SEND_DF: 1 << 7,
  CAN_MULTI_CONN: 1 << 8,
  SEND_RESIZE: 1 << 9,
  SEND_CACHE: 1 << 10,
  SEND_FAST_ZERO: 1 << 11,
} as const;

export const Cmd = {
  READ: 0,
  WRITE: 1,
  DISC: 2,
  FLUSH: 3,
  TRIM: 4,
  CACHE: 5,
  WRITE_ZEROES: 6,
  BLOCK_STATUS: 7,
} as const;
export type CmdType = (typeof Cmd)[keyof typeof Cmd];

export function cmdName(type: number): string {
  for (const [k, v] of Object.entries(Cmd)) if (v === type) return `NBD_CMD_${k}`;
  return `NBD_CMD_${type}`;
}

export const CmdFlag = { FUA: 1 << 0, NO_HOLE: 1 << 1, DF: 1 << 2, REQ_ONE: 1 << 3, FAST_ZERO: 1 << 4 } as const;

export const ReplyFlag = { DONE: 1 << 0 } as const;

export const ReplyType = {
  NONE: 0,
  OFFSET_DATA: 1,
  OFFSET_HOLE: 2,
  BLOCK_STATUS: 5,
  ERROR: (1 << 15) + 1,
  ERROR_OFFSET: (1 << 15) + 2,
} as const;

export function isErrorChunk(type: number): boolean {
  return (type & (1 << 15)) !== 0;
}

/** base:allocation flags in a BLOCK_STATUS descriptor. */
export const StateFlag = { HOLE: 1 << 0, ZERO: 1 << 1 } as const;

export const BASE_ALLOCATION = 'base:allocation';

/** The errno values the protocol defines, by name. */
export const Errno: Record<number, string> = {
  1: 'EPERM',
  5: 'EIO',
  12: 'ENOMEM',
  22: 'EINVAL',
  28: 'ENOSPC',
  75: 'EOVERFLOW',
  95: 'ENOTSUP',
  108: 'ESHUTDOWN',
};

export function errnoName(errno: number): string {
  return Errno[errno] ?? `ERRNO_${errno}`;
}

/** Default TCP port (IANA). */
export const DEFAULT_PORT = 10809;
/** Largest payload a client may send when the server states no maximum (spec: 32 MiB). */
export const DEFAULT_MAX_PAYLOAD = 32 * 1024 * 1024;
