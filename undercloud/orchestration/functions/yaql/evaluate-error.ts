/** A yaql expression that does not parse, uses an unsupported function, or fails on its data. */
export class YaqlError extends Error {}
