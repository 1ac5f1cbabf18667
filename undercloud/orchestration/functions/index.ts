/**
 * The intrinsic function table: every HOT function, each with since/removedIn. A name is a function in a
 * template when the table has it and the template's version is at least `since` (removed names stay
 * calls so that validation can say what to use instead). Explicit list: nothing registers itself.
 */
import { and } from './and.js';
import { contains } from './contains.js';
import { digest } from './digest.js';
import { equals } from './equals.js';
import { filter } from './filter.js';
import { getAttr } from './get-attr.js';
import { getFile } from './get-file.js';
import { getParam } from './get-param.js';
import { getResource } from './get-resource.js';
import { ifFn } from './if.js';
import { listConcat } from './list-concat.js';
import { listConcatUnique } from './list-concat-unique.js';
import { listJoin } from './list-join.js';
import { makeUrl } from './make-url.js';
import { mapMerge } from './map-merge.js';
import { mapReplace } from './map-replace.js';
import { not } from './not.js';
import { or } from './or.js';
import { removedFunctions } from './removed.js';
import { repeat } from './repeat.js';
import { resourceFacade } from './resource-facade.js';
import { strReplace } from './str-replace.js';
import { strReplaceStrict } from './str-replace-strict.js';
import { strReplaceVstrict } from './str-replace-vstrict.js';
import { strSplit } from './str-split.js';
import type { IntrinsicFunction } from './types.js';
import { yaql } from './yaql.js';

export const FUNCTIONS: ReadonlyMap<string, IntrinsicFunction> = new Map(
  [
    getParam,
    getResource,
    getAttr,
    getFile,
    strReplace,
    strReplaceStrict,
    strReplaceVstrict,
    listJoin,
    strSplit,
    repeat,
    digest,
    mapMerge,
    mapReplace,
    listConcat,
    listConcatUnique,
    filter,
    makeUrl,
    contains,
    equals,
    not,
    and,
    or,
    ifFn,
    resourceFacade,
    yaql,
    ...removedFunctions,
  ].map((f) => [f.name, f]),
);

/** The function a key names in a template of `version`, or undefined (plain data). */
export function functionFor(name: string, version: string): IntrinsicFunction | undefined {
  const f = FUNCTIONS.get(name);
  return f !== undefined && version >= f.since ? f : undefined;
}

export type { IntrinsicFunction, ValidateContext, EvalContext, Resolved } from './types.js';
export { OMIT } from './types.js';
export { PSEUDO_PARAMETERS } from './get-param.js';
