/** The networks service as orchestration's NetworkPort (the door ports resources use). */
import type { NetworkPort, ServerAddress } from '../orchestration/ports.js';
import type { NetworksService } from './service.js';

export function networkPort(service: NetworksService): NetworkPort {
  return {
    ensurePorts: (owner, hostname, requests) => Promise.resolve(service.ensurePorts(owner, hostname, requests).map(({ id: _id, owner: _o, hostname: _h, ...a }): ServerAddress => a)),
    release: (owner) => Promise.resolve(service.release(owner)),
  };
}
