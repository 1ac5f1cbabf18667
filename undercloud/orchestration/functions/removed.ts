/**
 * CloudFormation-style names that HOT 2013-05-23 carried and later versions retired (Heat maps them to
 * `Removed`, which fails validation). We never ran them: using one is an error naming the HOT equivalent.
 */
import type { IntrinsicFunction } from './types.js';

function removed(name: string, removedIn: string, replacement: string): IntrinsicFunction {
  return {
    name,
    since: '2013-05-23',
    removedIn,
    replacement,
    validate(call, v) {
      v.error('FUNCTION_REMOVED', call.pos, call.path, `${name} is not supported in HOT templates (removed in ${removedIn}); use ${replacement}`);
    },
    resolve() {
      return undefined;
    },
  };
}

export const removedFunctions: readonly IntrinsicFunction[] = [
  removed('Fn::GetAZs', '2014-10-16', 'a parameter'),
  removed('Fn::Join', '2014-10-16', 'list_join'),
  removed('Fn::Split', '2014-10-16', 'str_split'),
  removed('Fn::Replace', '2014-10-16', 'str_replace'),
  removed('Fn::Base64', '2014-10-16', 'the plain string'),
  removed('Fn::MemberListToMap', '2014-10-16', 'map_merge/repeat'),
  removed('Fn::ResourceFacade', '2014-10-16', 'resource_facade'),
  removed('Ref', '2014-10-16', 'get_param or get_resource'),
  removed('Fn::Select', '2015-10-15', 'get_param/get_attr paths or str_split'),
];
