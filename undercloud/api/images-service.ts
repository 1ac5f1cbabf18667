/** undercloud.v1.Images: UploadImage, ListImages, GetImage, DeleteImage. Thin: translate, call, translate back. */
import type { Server } from '@grpc/grpc-js';
import { ImagesService, type DeleteImageRequest, type GetImageRequest, type Image, type UploadImageRequest } from '../../proto/gen/undercloud/v1/images.js';
import type { DaemonContext } from '../daemon/context.js';
import type { ImageStore } from '../images/image-store.js';
import type { ImageRecord } from '../store/images.js';
import { unary } from './grpc-status.js';

export function imageToProto(r: ImageRecord): Image {
  return {
    id: r.id, name: r.name, type: r.type, files: r.files.map((f) => ({ format: f.format, path: f.path, size: f.size, sha256: f.sha256 })),
    manifestJson: JSON.stringify(r.manifest), createdAt: r.createdAt, updatedAt: r.updatedAt,
  };
}

export function setup(server: Server, ctx: DaemonContext, images: ImageStore): void {
  server.addService(ImagesService, {
    uploadImage: unary(ctx.log, async (req: UploadImageRequest) =>
      imageToProto(await images.upload({ manifestPath: req.manifestPath, name: req.name || undefined, replace: req.replace }, ctx.shutdownSignal))),
    listImages: unary(ctx.log, () => ({ images: images.list().map(imageToProto) })),
    getImage: unary(ctx.log, (req: GetImageRequest) => imageToProto(images.get(req.nameOrId))),
    deleteImage: unary(ctx.log, async (req: DeleteImageRequest) => {
      await images.delete(req.nameOrId);
      return {};
    }),
  });
}
