/**
 * The NBD client and image writer. The deploy step calls `writeImage`:
 *
 *   const r = await writeImage({ source: '/var/lib/undercloud/images/overcloud-full.qcow2',
 *     target: 'nbds://192.168.24.100/disk', tls: { ca, cert, key }, signal, onProgress });
 *   // r.digest is verified by read-back unless verify: false
 */
export { writeImage, type WriteImageOptions, type WriteImageResult, type WriteProgress } from './writer.js';
export { connectNbd, listNbdExports, DEFAULT_TIMEOUT_MS, type ConnectOptions } from './connect.js';
export { NbdSession, type Extent } from './session.js';
export { NbdPool } from './pool.js';
export { parseNbdUri, formatNbdAddress, type NbdAddress, type NbdTransport } from './uri.js';
export type { TlsCredentials, ExportInfo, BlockSize } from './handshake.js';
export { openImageSource, detectFormat, RawFileSource, NbdExportSource, type ImageSource, type ImageFormat } from './source.js';
export { DIGEST_ALGORITHM, TreeHasher } from './digest.js';
export { verifyTarget, imageDigest } from './verify.js';
export * from './errors.js';
