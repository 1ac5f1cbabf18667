import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseImageDefinitions } from '../../../disk-image-builder/image-definition.js';
import { InvalidImageDefinitionError } from '../../../disk-image-builder/errors.js';

describe('parseImageDefinitions', () => {
  it('fills defaults', () => {
    const [d] = parseImageDefinitions('- imagename: img\n  elements: [debian]\n');
    expect(d).toMatchObject({ imagename: 'img', elements: ['debian'], outputs: ['qcow2'], ramdisk: false, espSizeMiB: 128, rootLabel: 'cloudimg-rootfs', environment: {} });
  });

  it('merges entries with the same imagename as diskimage-builder does', () => {
    const defs = parseImageDefinitions(`
- imagename: full
  elements: [a, b]
  environment: {DIB_RELEASE: bookworm, X: 1}
- imagename: full
  elements: [b, c]
  environment: {X: 2}
  outputs: [raw]
`);
    expect(defs).toHaveLength(1);
    expect(defs[0]).toMatchObject({ elements: ['a', 'b', 'c'], environment: { DIB_RELEASE: 'bookworm', X: '2' }, outputs: ['raw'] });
  });

  it('rejects unknown keys and formats with the file name', () => {
    expect(() => parseImageDefinitions('- imagename: x\n  elements: [a]\n  colour: red\n', 'f.yaml')).toThrow(/f\.yaml/);
    expect(() => parseImageDefinitions('- imagename: x\n  elements: [a]\n  outputs: [vhd]\n')).toThrow(InvalidImageDefinitionError);
  });

  it('rejects an image without elements', () => {
    expect(() => parseImageDefinitions('- imagename: x\n')).toThrow(/no elements/);
  });

  it('parses the bundled overcloud-images.yaml', () => {
    const defs = parseImageDefinitions(readFileSync(new URL('../../../disk-image-builder/overcloud-images.yaml', import.meta.url), 'utf8'));
    expect(defs.map((d) => [d.imagename, d.ramdisk])).toEqual([['overcloud-full', false], ['deploy-ramdisk', true]]);
  });
});
