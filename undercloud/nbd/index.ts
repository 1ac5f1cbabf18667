/**
 * The NBD client and image writer. The deploy step calls `writeImage`:
 *
 *   const r = await writeImage({ source: '/var/lib/undercloud/images/overcloud-full.qcow2',
 *     target: 'nbds://192.168.24.100/disk', tls: { ca, cert, key }, signal, onProgress });
 *   // r.digest is verified by read-back unless verify: false
 *
 * With the image store's digests (images/image-store.ts `writeExpectations`): `expectedDigest` (tree digest,
 * no hashing while writing; the read-back must match it) and `expectedSha256` (plain sha256 of the logical
 * content, checked on the stream written).
 */
export { writeImage, type WriteImageOptions, type WriteImageResult, type WriteProgress } from './writer.js';
export { connectNbd, listNbdExports, DEFAULT_TIMEOUT_MS, type ConnectOptions } from './connect.js';
export { NbdSession, type Extent } from './session.js';
export { NbdPool } from './pool.js';
export { parseNbdUri, formatNbdAddress, type NbdAddress, type NbdTransport } from './uri.js';
export type { TlsCredentials, ExportInfo, BlockSize } from './handshake.js';
export { openImageSource, detectFormat, RawFileSource, NbdExportSource, type ImageSource, type ImageFormat, type SourceReader, type OpenSourceOptions } from './source.js';
export { Qcow2FileSource } from './qcow2.js';
export { DIGEST_ALGORITHM, TreeHasher } from './digest.js';
export { verifyTarget, imageDigest, imageFileDigests, imageLogicalDigests, type ImageFileDigests, type DigestAlgorithm } from './verify.js';
export * from './errors.js';
