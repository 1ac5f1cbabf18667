/** The images domain as a daemon module: opens the image store on start and serves undercloud.v1.Images. */
import { mkdirSync } from 'node:fs';
import { setup as setupImagesService } from '../../api/images-service.js';
import type { DomainModule } from '../modules.js';
import { imagesDirOf } from '../../images/config.js';
import { ImageStore } from '../../images/image-store.js';

let current: ImageStore | undefined;

/** The running daemon's image store (for the bare-metal deploy and the HTTP boot server). */
export function imageStore(): ImageStore {
  if (!current) throw new Error('the images module is not started');
  return current;
}

export function imagesModule(): DomainModule {
  let images: ImageStore | undefined;
  return {
    name: 'images',
    start(ctx) {
      const dir = imagesDirOf(ctx.config);
      mkdirSync(dir, { recursive: true });
      images = new ImageStore(ctx.store, dir, ctx.bus);
      current = images;
    },
    registerServices(server, ctx) {
      if (images) setupImagesService(server, ctx, images);
    },
    stop() {
      current = undefined;
    },
  };
}
