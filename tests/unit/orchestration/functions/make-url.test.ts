import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

describe('make_url', () => {
  it('builds a URL with escaping', () => {
    expect(evalExpr('{make_url: {scheme: https, username: "u s", password: "p@ss", host: example.com, port: 8443, path: "/a b/c", query: {q: "x y", r: "1/2"}, fragment: "f g"}}')).toBe(
      'https://u%20s:p%40ss@example.com:8443/a%20b/c?q=x+y&r=1/2#f%20g',
    );
  });
  it('brackets an IPv6 host (once)', () => {
    expect(evalExpr('{make_url: {scheme: http, host: "fd00::1", port: 80, path: x}}')).toBe('http://[fd00::1]:80/x');
    expect(evalExpr('{make_url: {scheme: http, host: "[fd00::1]"}}')).toBe('http://[fd00::1]');
  });
  it('rejects unknown arguments and bad ports at validation', () => {
    expect(exprErrors('{make_url: {hots: x}}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:26: make_url: unknown argument "hots"/);
    expect(exprErrors('{make_url: {host: x, port: 70000}}')[0]).toMatch(/make_url: invalid port 70000/);
  });
  it('rejects a scheme with a colon', () => {
    expect(evalError('{make_url: {scheme: "http:", host: x}}')).toMatch(/should not contain ":"/);
  });
});
