/** CloudFront's path-pattern rules, as the local CloudFront picks a cache behaviour. */
import { pathPatternMatches, selectBehavior } from '../../local/path-pattern';

test.each([
  // [pattern, path, matches]
  ['/legacy/*', '/legacy/x', true],
  ['/legacy/*', '/legacy/', true],
  ['/legacy/*', '/legacy/a/b/c.txt', true],
  ['/legacy/*', '/legacy', false],
  ['/legacy/*', '/Legacy/x', false],
  ['/legacy/*', '/x/legacy/y', false],
  ['legacy/*', '/legacy/x', true],
  ['*.jpg', '/a/b/photo.jpg', true],
  ['*.jpg', '/photo.JPG', false],
  ['*.jpg', '/photo.jpeg', false],
  ['/img/??.png', '/img/ab.png', true],
  ['/img/??.png', '/img/a.png', false],
  ['/img/??.png', '/img/abc.png', false],
  ['/a.b', '/aXb', false],
  ['/a+b/(c)/*', '/a+b/(c)/d', true],
  ['/a+b/(c)/*', '/aab/(c)/d', false],
  ['/x/*', '/x/%2e%2e/y', true],
  ['*', '/', true],
  ['*', '/any/thing?', true],
])('%s on %s: %s', (pattern, path, matches) => {
  expect(pathPatternMatches(pattern, path)).toBe(matches);
});

test('the first behaviour in order whose pattern matches wins; the default is last', () => {
  const behaviors = [{ pathPattern: '/images/*.jpg' }, { pathPattern: '/images/*' }, { pathPattern: '*' }];
  expect(selectBehavior(behaviors, '/images/a.jpg')).toBe(behaviors[0]);
  expect(selectBehavior(behaviors, '/images/a.png')).toBe(behaviors[1]);
  expect(selectBehavior(behaviors, '/other.jpg')).toBe(behaviors[2]);
  const broadFirst = [behaviors[1], behaviors[0], behaviors[2]];
  expect(selectBehavior(broadFirst, '/images/a.jpg')).toBe(behaviors[1]);
  expect(selectBehavior([{ pathPattern: '/a/*' }], '/b')).toBeUndefined();
});
