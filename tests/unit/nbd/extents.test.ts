import { describe, expect, it } from 'vitest';
import { alignExtents, extentsFrom, splitExtents } from '../../../undercloud/nbd/extents.js';

const d = (offset: number, length: number) => ({ offset, length, zero: false });
const z = (offset: number, length: number) => ({ offset, length, zero: true });

describe('alignExtents', () => {
  it('keeps aligned extents and merges neighbours of the same kind', () => {
    expect(alignExtents([d(0, 4096), d(4096, 4096), z(8192, 8192)], 16384, 4096)).toEqual([d(0, 8192), z(8192, 8192)]);
  });

  it('shrinks zero ranges inwards so partial blocks become data', () => {
    expect(alignExtents([d(0, 100), z(100, 9000), d(9100, 7284)], 16384, 4096)).toEqual([d(0, 4096), z(4096, 4096), d(8192, 8192)]);
  });

  it('turns zero ranges that hold no whole block into data', () => {
    expect(alignExtents([d(0, 5000), z(5000, 1000), d(6000, 4000), z(10000, 2000)], 12000, 4096)).toEqual([d(0, 12000)]);
    expect(alignExtents([d(0, 4096), z(4096, 6000)], 10096, 4096)).toEqual([d(0, 4096), z(4096, 6000)]);
  });

  it('fills gaps as data and covers exactly the image', () => {
    const out = alignExtents([z(4096, 4096)], 16384, 512);
    expect(out).toEqual([d(0, 4096), z(4096, 4096), d(8192, 8192)]);
    expect(out.reduce((a, e) => a + e.length, 0)).toBe(16384);
  });
});

describe('splitExtents', () => {
  it('cuts data at grid multiples and zero ranges at the maximum', () => {
    const units = [...splitExtents([d(0, 2500), z(2500, 5000)], 1024, 2048)];
    expect(units).toEqual([d(0, 1024), d(1024, 1024), d(2048, 452), z(2500, 2048), z(4548, 2048), z(6596, 904)]);
  });
});

describe('extentsFrom', () => {
  it('drops what lies before the resume offset and cuts the extent it falls in', () => {
    expect(extentsFrom([d(0, 100), z(100, 100), d(200, 100)], 150)).toEqual([z(150, 50), d(200, 100)]);
  });
});
