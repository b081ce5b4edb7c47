/**
 * The CloudFront Function as CloudFront runs it: the code the construct writes into the template (the
 * esbuild bundle of `src/variant/viewer-request.ts` plus the parameter list), in a context with only
 * ES 5.1's globals, against CloudFront's event shape.
 */
import { CloudFrontFunction, loadCloudFrontFunction, ViewerRequestEvent, viewerRequestEvent } from '../../local/cloudfront-function';
import { MAX_FUNCTION_CODE_BYTES, viewerRequestFunctionCode } from '../../src/variant/function-code';
import { canonicalQuery, variantUri } from '../../src/variant/rules';
import { inspectFunctionCode } from '../support/cloudfront-function-syntax';

const OSS_EXAMPLE = 'image/resize,w_150/circle,r_100';
const OSS_URI = '/photo.jpg%3Fx-oss-process%3Dimage%2Fresize%2Cw_150%2Fcircle%2Cr_100';
const BAD_REQUEST = { statusCode: 400, statusDescription: 'Bad Request', headers: { 'cache-control': { value: 'no-store' } } };

const code = viewerRequestFunctionCode(['x-oss-process', 'v']);
const fn = loadCloudFrontFunction(code);

/** The URI the function passes on for `target`, or the status it answers with. */
function uriFor(target: string, run: CloudFrontFunction = fn): string | number {
  const result = run(viewerRequestEvent(target));
  return result.kind === 'request' ? result.request.uri : result.response.statusCode;
}

describe('the function folds the listed parameters into the URI', () => {
  test('the OSS thumbnail URL becomes the variant URI; the rest of the request passes through untouched', () => {
    const event = viewerRequestEvent(`/photo.jpg?x-oss-process=${OSS_EXAMPLE}`, { method: 'HEAD', headers: { 'Accept-Language': 'zh-CN' } });
    event.request.cookies = { session: { value: 'abc' } };
    const result = fn(event);
    expect(result).toEqual({
      kind: 'request',
      request: { ...event.request, uri: OSS_URI, querystring: {} },
    });
  });

  test('a plain path is untouched (its query string dropped)', () => {
    expect(fn(viewerRequestEvent('/photo.jpg'))).toEqual({ kind: 'request', request: viewerRequestEvent('/photo.jpg').request });
    expect(uriFor('/img/caf%C3%A9%20au%20lait.jpg?utm_source=mail&w=100')).toBe('/img/caf%C3%A9%20au%20lait.jpg');
    expect(uriFor('/photo.jpg?X-OSS-PROCESS=image/resize,w_150')).toBe('/photo.jpg');
  });

  test('the root stays the default root object', () => {
    expect(uriFor('/?x-oss-process=image/resize,w_150')).toBe('/');
  });

  test('parameter order does not matter: sorted by name', () => {
    const expected = '/photo.jpg%3Fv%3D2%26x-oss-process%3Dimage%2Fresize%2Cw_150';
    expect(uriFor('/photo.jpg?x-oss-process=image/resize,w_150&v=2')).toBe(expected);
    expect(uriFor('/photo.jpg?v=2&x-oss-process=image/resize,w_150')).toBe(expected);
    expect(uriFor('/photo.jpg?utm=1&v=2&a=0&x-oss-process=image/resize,w_150')).toBe(expected);
  });

  test.each([
    `x-oss-process=${OSS_EXAMPLE}`,
    'x-oss-process=image%2Fresize%2Cw_150%2Fcircle%2Cr_100',
    'x-oss-process=image%2fresize%2cw_150%2fcircle%2cr_100',
    'x-oss-process=%69mage/resize,w%5F150/circle,r_100',
    `x%2Doss-process=${OSS_EXAMPLE}`,
    `utm_source=mail&x-oss-process=${OSS_EXAMPLE}&w=100`,
  ])('every spelling of the same variant maps to one URI: %s', (query) => {
    expect(uriFor(`/photo.jpg?${query}`)).toBe(OSS_URI);
  });

  test('query values that CloudFront hands over decoded give the same URI for values without "%" or "+"', () => {
    const event = viewerRequestEvent('/photo.jpg');
    event.request.querystring = { 'x-oss-process': { value: OSS_EXAMPLE } };
    expect(fn(event)).toMatchObject({ kind: 'request', request: { uri: OSS_URI } });
  });

  test('different variants map to different URIs, and an empty value is a variant of its own', () => {
    const uris = ['', '?x-oss-process=A', '?x-oss-process=B', '?x-oss-process=', '?x-oss-process=a', '?x-oss-process=A&v=1'].map((q) => uriFor(`/photo.jpg${q}`));
    expect(new Set(uris).size).toBe(uris.length);
    expect(uriFor('/photo.jpg?x-oss-process')).toBe(uriFor('/photo.jpg?x-oss-process='));
  });

  test('a listed parameter given twice is refused with 400, in either of CloudFront\'s shapes', () => {
    expect(fn(viewerRequestEvent('/photo.jpg?x-oss-process=A&x-oss-process=B'))).toEqual({ kind: 'response', response: BAD_REQUEST });
    expect(uriFor('/photo.jpg?x-oss-process=A&x-oss-process=A')).toBe(400);
    expect(uriFor('/photo.jpg?x-oss-process=A&x%2Doss-process=A')).toBe(400);
    const event = viewerRequestEvent('/photo.jpg');
    event.request.querystring = { 'x-oss-process': { value: 'A', multiValue: [{ value: 'A' }, { value: 'B' }] } };
    expect(fn(event)).toEqual({ kind: 'response', response: BAD_REQUEST });
    // Repeated parameters that are not listed do not matter.
    expect(uriFor('/photo.jpg?w=1&w=2&x-oss-process=A')).toBe('/photo.jpg%3Fx-oss-process%3DA');
  });

  test('a listed value that would put a "." or ".." segment in the key is refused with 400, however it is spelled', () => {
    expect(fn(viewerRequestEvent('/photo.jpg?x-oss-process=a/../b'))).toEqual({ kind: 'response', response: BAD_REQUEST });
    expect(uriFor('/photo.jpg?x-oss-process=a%2F%2E%2E%2Fb')).toBe(400);
    expect(uriFor('/photo.jpg?x-oss-process=image/./resize')).toBe(400);
    // Dots that are not a whole segment are fine.
    expect(uriFor('/photo.jpg?x-oss-process=image/resize,w_1.5/..x')).toBe('/photo.jpg%3Fx-oss-process%3Dimage%2Fresize%2Cw_1.5%2F..x');
  });

  test('a listed value that is not valid percent-encoded UTF-8 is refused with 400', () => {
    expect(fn(viewerRequestEvent('/photo.jpg?x-oss-process=%E2%82'))).toEqual({ kind: 'response', response: BAD_REQUEST });
    expect(uriFor('/photo.jpg?x-oss-process=100%')).toBe(400);
  });

  test.each([
    '/photo.jpg%3Fx-oss-process%3DA',
    '/photo.jpg%3fx-oss-process%3dA',
    '/a%3F',
    '/%3F',
    `${OSS_URI}`,
  ])('a path that already holds the separator is refused with 400, with or without a query: %s', (path) => {
    expect(fn(viewerRequestEvent(path))).toEqual({ kind: 'response', response: BAD_REQUEST });
    expect(uriFor(`${path}?x-oss-process=A`)).toBe(400);
  });

  test('a double-encoded "?" is not the separator', () => {
    expect(uriFor('/a%253Fb.jpg?x-oss-process=A')).toBe('/a%253Fb.jpg%3Fx-oss-process%3DA');
  });

  test('non-ASCII parameter names get into the code as ASCII escapes and still match', () => {
    const named = viewerRequestFunctionCode(['größe', 'x\u2028y']);
    expect(named).toMatch(/^[\t\n\r\x20-\x7e]*$/);
    const run = loadCloudFrontFunction(named);
    expect(uriFor('/a.jpg?gr%C3%B6%C3%9Fe=1', run)).toBe('/a.jpg%3Fgr%25C3%25B6%25C3%259Fe%3D1');
    expect(uriFor('/a.jpg?x%E2%80%A8y=1', run)).toBe('/a.jpg%3Fx%25E2%2580%25A8y%3D1');
  });

  test('the built function and the rules module the handler uses agree (random queries)', () => {
    let seed = 11;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = ['x-oss-process', 'v', 'w', 'X-OSS-PROCESS', '=', '&', 'a', '%2F', '%2f', '/', ',', '+', '%20', '%25', '%C3%A9', '%E2', '%3D', '%26', '~', '*'];
    for (let round = 0; round < 300; round++) {
      const query = Array.from({ length: 1 + random(10) }, () => pieces[random(pieces.length)]).join('');
      const event: ViewerRequestEvent = viewerRequestEvent(`/p.jpg?${query}`);
      const pairs = Object.entries(event.request.querystring).flatMap(([name, p]) => (p.multiValue ?? [p]).map((v) => ({ name, value: v.value })));
      const expected = canonicalQuery(pairs, ['x-oss-process', 'v']);
      expect(uriFor(`/p.jpg?${query}`)).toBe(expected.ok ? variantUri('/p.jpg', expected.query) : 400);
    }
  });
});

describe('the function stays within what CloudFront Functions allow', () => {
  test('at most 10 KB with 10 parameter names of 100 characters', () => {
    const names = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(100, 'x'));
    expect(Buffer.byteLength(viewerRequestFunctionCode(names))).toBeLessThanOrEqual(MAX_FUNCTION_CODE_BYTES);
    expect(MAX_FUNCTION_CODE_BYTES).toBe(10_240);
  });

  test('only syntax that runtime 2.0 documents (ES 5.1, const, let, arrow functions, template literals)', () => {
    expect(inspectFunctionCode(code).problems).toEqual([]);
    // The inspection sees what esbuild would emit for newer syntax.
    const newer = inspectFunctionCode('for (const a of b) {}; const { c } = d; e?.f; g ?? h; class K {}; const o = { p, ...q }; /x/s;');
    expect(newer.problems.map((problem) => problem.split(' ')[0])).toEqual(['ForOfStatement', 'ObjectBindingPattern', 'BindingElement',
      'QuestionDotToken', 'QuestionQuestionToken', 'ClassDeclaration', 'ShorthandPropertyAssignment', 'SpreadAssignment', 'a']);
  });

  test('only ES 5.1 members of the built-in objects, besides the fields of the event and its own objects', () => {
    const ES51_MEMBERS = [
      'prototype', 'defineProperty', 'getOwnPropertyDescriptor', 'getOwnPropertyNames', 'keys', 'hasOwnProperty', 'call', 'bind', 'apply',
      'length', 'indexOf', 'push', 'sort', 'map', 'join', 'slice', 'split', 'test', 'replace', 'charAt', 'charCodeAt', 'fromCharCode',
      'toString', 'toUpperCase', 'toLowerCase',
    ];
    const EVENT_FIELDS = ['request', 'uri', 'querystring', 'value', 'multiValue'];
    const { propertyNames, definedNames } = inspectFunctionCode(code);
    const unknown = [...propertyNames].filter((name) => !ES51_MEMBERS.includes(name) && !EVENT_FIELDS.includes(name) && !definedNames.has(name));
    expect(unknown).toEqual([]);
  });

  test('it runs where only ES 5.1 globals exist, and has a top-level handler', () => {
    expect(() => loadCloudFrontFunction('function handler(event) { return new Map(); }')(viewerRequestEvent('/'))).toThrow(/Map is not defined/);
    expect(() => loadCloudFrontFunction('var handle = 1;')).toThrow(/no top-level function handler/);
    expect(uriFor('/photo.jpg?x-oss-process=A')).toBe('/photo.jpg%3Fx-oss-process%3DA');
  });

  test('plain ASCII, no module syntax, no network or timers', () => {
    expect(code).toMatch(/^[\t\n\r\x20-\x7e]*$/);
    expect(code).toMatch(/^function handler\(event\) \{$/m);
    expect(code).not.toMatch(/\b(require|import|export|fetch|setTimeout|async|await|Promise)\b/);
  });
});
