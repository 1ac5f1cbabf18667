/**
 * The images the deploy uses, seen through a structural view of the image store (bare metal does not
 * import the images domain; the daemon hands the store in): the golden image to write, and the deploy
 * ramdisk published into the HTTP boot root under [pxe] deploy_kernel / deploy_ramdisk, as TripleO's
 * `openstack overcloud image upload` copied agent.kernel and agent.ramdisk into /httpboot.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { InvalidError, NotFoundError } from '../../errors.js';
import type { DeployImage } from './agent-services.js';

export interface ImageFileView { format: string; path: string; size: number; sha256: string }
export interface ImageView { id: string; name: string; type: string; files: ImageFileView[] }
export interface ImageLookup { get(nameOrId: string): ImageView }

/** A disk image to write: raw preferred (no conversion on the way), else qcow2. */
export function deployImageOf(images: ImageLookup, ref: string): DeployImage {
  const img = images.get(ref);
  if (img.type !== 'disk') throw new InvalidError('IMAGE_NOT_DEPLOYABLE', `image ${img.name} is a ${img.type} image, not a disk image`);
  const f = img.files.find((x) => x.format === 'raw') ?? img.files.find((x) => x.format === 'qcow2');
  if (!f) throw new NotFoundError('IMAGE_FILE_NOT_FOUND', `image ${img.name} has no raw or qcow2 file`);
  return { name: img.name, path: f.path, format: f.format as 'raw' | 'qcow2', size: f.size, sha256: f.sha256 };
}

/**
 * Links (or copies) the ramdisk image's kernel and initramfs into the HTTP root under the configured names.
 * Returns false when there is no such image yet (nodes then cannot boot the ramdisk; status says so).
 */
export function publishDeployRamdisk(images: ImageLookup, name: string, httpRoot: string, kernelName: string, ramdiskName: string): boolean {
  let img: ImageView;
  try {
    img = images.get(name);
  } catch {
    return false;
  }
  const kernel = img.files.find((f) => f.format === 'kernel');
  const initramfs = img.files.find((f) => f.format === 'initramfs');
  if (!kernel || !initramfs) return false;
  mkdirSync(httpRoot, { recursive: true });
  for (const [src, dest] of [[kernel.path, kernelName], [initramfs.path, ramdiskName]] as const) place(src, path.join(httpRoot, dest));
  return true;
}

function place(src: string, dest: string): void {
  if (existsSync(dest)) {
    const a = statSync(src);
    const b = statSync(dest);
    if (a.ino === b.ino && a.dev === b.dev) return;
  }
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  try {
    linkSync(src, tmp);
  } catch {
    copyFileSync(src, tmp);
  }
  renameSync(tmp, dest);
}
