import { requestKeyFromRawPath } from '../../src/handler/variant-key';
import { canonicalQuery, checkVariantQuery, QueryPair, uriHoldsSeparator, variantUri } from '../../src/variant/rules';

const OSS = ['x-oss-process'];

/** The canonical query of a raw query string (as a viewer sends it), or the refusal's reason. */
function canonical(raw: string, listed: readonly string[] = OSS): string {
  const pairs: QueryPair[] = raw.split('&').filter((part) => part !== '').map((part) => {
    const eq = part.indexOf('=');
    return eq < 0 ? { name: part, value: '' } : { name: part.slice(0, eq), value: part.slice(eq + 1) };
  });
  const result = canonicalQuery(pairs, listed);
  return result.ok ? result.query : `refused: ${result.reason}`;
}

/** The key S3 looks up for a URI path: percent-decoded once, without the leading "/" (a "+" stays a "+"). */
function s3Key(uri: string): string {
  return decodeURIComponent(uri.slice(1));
}

describe('canonical query: one spelling per variant', () => {
  test('keeps only the listed parameters, names matched case-sensitively', () => {
    expect(canonical('w=1&x-oss-process=image/resize,w_150&X-OSS-PROCESS=other&utm_source=mail')).toBe('x-oss-process=image/resize,w_150');
    expect(canonical('w=1&utm_source=mail')).toBe('');
    expect(canonical('')).toBe('');
  });

  test('sorts by name, whatever the order the viewer used', () => {
    const listed = ['b', 'a-b', 'a'];
    expect(canonical('b=2&a-b=3&a=1', listed)).toBe('a=1&a-b=3&b=2');
    expect(canonical('a=1&b=2&a-b=3', listed)).toBe('a=1&a-b=3&b=2');
  });

  test.each([
    'image/resize,w_150/circle,r_100',
    'image%2Fresize%2Cw_150%2Fcircle%2Cr_100',
    'image%2fresize%2cw_150%2fcircle%2cr_100',
    'image/resize,w%5F150/circle,r%5f100',
    '%69mage/resize,w_150/circle,r_100',
  ])('every encoding of the same value gives the same query: %s', (value) => {
    expect(canonical(`x-oss-process=${value}`)).toBe('x-oss-process=image/resize,w_150/circle,r_100');
  });

  test.each([
    ['a space as "+" or "%20"', ['a+b', 'a%20b'], 'a%20b'],
    ['a literal plus', ['a%2Bb', 'a%2bb'], 'a%2Bb'],
    ['UTF-8, in any hex case', ['%C3%A9t%C3%A9', '%c3%a9t%c3%a9', 'été'], '%C3%A9t%C3%A9'],
    ['"=" inside a value', ['a=b', 'a%3Db'], 'a=b'],
    ['"&", "#", "%", "?" and ";" inside a value', ['%26%23%25%3F%3B'], '%26%23%25%3F%3B'],
    ['sub-delimiters and ":" "@" "$"', ['!()*:@$', '%21%28%29%2A%3A%40%24'], '!()*:@$'],
    ['an apostrophe, which a URL parser would encode', ["'", '%27'], '%27'],
    ['an empty value, with or without "="', ['', '='], ''],
  ])('%s', (_, values, expected) => {
    for (const value of values) {
      const raw = value === '=' ? 'p' : `p=${value}`;
      expect(canonical(raw, ['p'])).toBe(`p=${expected}`);
    }
  });

  test('a name is decoded before it is matched and encoded strictly in the query', () => {
    expect(canonical('x%2Doss-process=a')).toBe('x-oss-process=a');
    expect(canonical('a%2Bb=1&a+b=2', ['a+b', 'a b'])).toBe('a%20b=2&a%2Bb=1');
  });

  test('a listed parameter given twice is refused, whatever the spelling of its name', () => {
    expect(canonical('x-oss-process=a&x-oss-process=b')).toBe('refused: the query parameter "x-oss-process" must be given at most once');
    expect(canonical('x-oss-process=a&x-oss-process=a')).toMatch(/^refused: /);
    expect(canonical('x-oss-process=a&x%2Doss-process=a')).toMatch(/^refused: /);
    expect(canonical('w=1&w=2&x-oss-process=a')).toBe('x-oss-process=a');
  });

  test.each(['%', '%Z1', '%E2%82', '%C0%AF', '%ED%A0%80', '%FF'])('a value that is not valid percent-encoded UTF-8 is refused: %s', (value) => {
    expect(canonical(`x-oss-process=${value}`)).toBe('refused: the value of "x-oss-process" is not valid percent-encoded UTF-8');
  });

  test('bad encoding in a parameter that is not listed is ignored', () => {
    expect(canonical('w=%ZZ&%E2=1&x-oss-process=a')).toBe('x-oss-process=a');
  });
});

describe('variant URI: the key S3 looks up', () => {
  test('the OSS example: exactly the reserved suffix, and the key it decodes to', () => {
    const uri = variantUri('/photo.jpg', 'x-oss-process=image/resize,w_150/circle,r_100');
    expect(uri).toBe('/photo.jpg%3Fx-oss-process%3Dimage%2Fresize%2Cw_150%2Fcircle%2Cr_100');
    expect(s3Key(uri)).toBe('photo.jpg?x-oss-process=image/resize,w_150/circle,r_100');
  });

  test('a request without listed parameters keeps its URI', () => {
    expect(variantUri('/photo.jpg', '')).toBe('/photo.jpg');
    expect(variantUri('/a%20b/photo.jpg', '')).toBe('/a%20b/photo.jpg');
  });

  test('the plain path keeps its encoding; the suffix encodes everything but letters, digits and "-._~"', () => {
    const uri = variantUri('/caf%C3%A9/a+b.jpg', "p=(a)*!'%20~");
    expect(uri).toBe('/caf%C3%A9/a+b.jpg%3Fp%3D%28a%29%2A%21%27%2520~');
    expect(s3Key(uri)).toBe("café/a+b.jpg?p=(a)*!'%20~");
  });

  test.each([
    ['/a%3Fb', true], ['/a%3fb', true], ['/a?b', true], ['/%3F', true],
    ['/a%253Fb', false], ['/a%3', false], ['/photo.jpg', false], ['/a%E2%80%BDb', false],
  ])('%s holds the separator: %s', (uri, holds) => {
    expect(uriHoldsSeparator(uri)).toBe(holds);
  });
});

describe('checking a variant query the handler gets back (what the function wrote, or a forgery)', () => {
  test('canonical queries are accepted as they are', () => {
    expect(checkVariantQuery('x-oss-process=image/resize,w_150/circle,r_100', OSS))
      .toEqual({ ok: true, query: 'x-oss-process=image/resize,w_150/circle,r_100' });
    expect(checkVariantQuery('x-oss-process=a', OSS)).toEqual({ ok: true, query: 'x-oss-process=a' });
    expect(checkVariantQuery('a=1&b=%20', ['b', 'a'])).toEqual({ ok: true, query: 'a=1&b=%20' });
  });

  test.each([
    ['a parameter that is not listed', 'photo.jpg?w=1', 'the variant query names a parameter that is not listed'],
    ['a listed and an unlisted parameter', 'photo.jpg?w=1&x-oss-process=a', 'the variant query names a parameter that is not listed'],
    ['a name in another case', 'photo.jpg?X-OSS-PROCESS=a', 'the variant query names a parameter that is not listed'],
    ['an escape the encoder would not write', 'photo.jpg?x-oss-process=image%2Fresize', 'the variant query is not canonical'],
    ['lower-case hex', 'photo.jpg?x-oss-process=%c3%a9', 'the variant query is not canonical'],
    ['"+" for a space', 'photo.jpg?x-oss-process=a+b', 'the variant query is not canonical'],
    ['a raw space', 'photo.jpg?x-oss-process=a b', 'the variant query is not canonical'],
    ['parameters out of order', 'a.jpg?b=1&a=1', 'the variant query is not canonical'],
    ['a parameter without "="', 'photo.jpg?x-oss-process', 'the variant query is not canonical'],
    ['an empty query', 'photo.jpg?', 'the variant query is not canonical'],
    ['a trailing "&"', 'photo.jpg?x-oss-process=a&', 'the variant query is not canonical'],
    ['a second "?"', 'photo.jpg?x-oss-process=a?b', 'the variant query is not canonical'],
    ['a parameter given twice', 'photo.jpg?x-oss-process=a&x-oss-process=a', 'the query parameter "x-oss-process" must be given at most once'],
    ['bad percent-encoding', 'photo.jpg?x-oss-process=%E2', 'the value of "x-oss-process" is not valid percent-encoded UTF-8'],
  ])('refused: %s', (_, path, reason) => {
    const query = path.slice(path.indexOf('?') + 1);
    expect(checkVariantQuery(query, path.startsWith('a.jpg') ? ['a', 'b'] : OSS)).toEqual({ ok: false, reason });
  });

  test('what the function writes, S3 decodes, the handler reads back and a URL parser reads is the same object and the same query (random values)', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = ['a', 'Z', '0', '-', '_', '.', '~', '/', ',', '=', '&', '+', ' ', '%', '?', '#', ';', '!', '*', "'", '(', ':', '@', '$',
      '"', '<', '>', '`', '{', '|', '\\', '^', '[', 'é', '家', '😀', '\u0000', '\n'];
    for (let round = 0; round < 500; round++) {
      const value = Array.from({ length: random(12) }, () => alphabet[random(alphabet.length)]).join('');
      const spelled = random(2) === 0 ? encodeURIComponent(value) : encodeURIComponent(value).replace(/%2F/g, '/').replace(/%2C/g, ',');
      const result = canonicalQuery([{ name: 'x-oss-process', value: spelled }, { name: 'w', value: '1' }], OSS);
      if (!result.ok) throw new Error(result.reason);
      expect(decodeURIComponent(result.query.slice('x-oss-process='.length))).toBe(value);
      // The handler sends it to the origin as it is: a URL parser must not re-encode any of it.
      expect(new URL(`https://example.com/p?${result.query}`).search).toBe(result.query === '' ? '' : `?${result.query}`);
      const key = s3Key(variantUri('/img/photo.jpg', result.query));
      expect(key).toBe(`img/photo.jpg?${result.query}`);
      const handlerKey = requestKeyFromRawPath(variantUri('/img/photo.jpg', result.query), '', OSS);
      expect(handlerKey).toMatchObject(result.query === ''
        ? { ok: true, key: 'img/photo.jpg', query: '' }
        : { ok: true, key, path: 'img/photo.jpg', query: result.query });
    }
  });
});
