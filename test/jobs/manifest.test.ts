/**
 * Manifests and reports, pure: lines into JSONL items (any delimiter or quote in a key, CRLF, BOM, invalid UTF-8,
 * chunks split anywhere), the CSV report written and read back as a `report` manifest, each format's key decoding,
 * the execution input's checks, and which listed keys a shared bucket's mirror serves.
 */
import type { LineItem } from '../../src/jobs/protocol';
import { decodeInventoryKey, itemKey, KeyRules } from '../../src/jobs/runtime/item-keys';
import { CsvRows, manifestReader, MAX_LINE_BYTES } from '../../src/jobs/runtime/manifest-lines';
import { InvalidJobInput, checkInput } from '../../src/jobs/runtime/prepare';
import { csvRow, REPORT_COLUMNS } from '../../src/jobs/runtime/report-csv';
import { Tally } from '../../src/jobs/runtime/summarise';
import { pathPatternMatches, servesPath } from '../../src/jobs/served-paths';

const RULES: KeyRules = { keyPrefix: 'm/', variantQueryStrings: [], served: [{ patterns: [], defaultMine: true }], others: [] };

/** Reads `bytes` fed in pieces of `size` bytes. */
function read(format: 'paths' | 'keys' | 'report', bytes: Buffer, size = 3): LineItem[] {
  const reader = manifestReader(format);
  const items: LineItem[] = [];
  for (let at = 0; at < bytes.length; at += size) items.push(...reader.push(bytes.subarray(at, at + size)));
  return [...items, ...reader.end()];
}

describe('lines into items', () => {
  test('each line once, exactly as written: commas, quotes, tabs, a leading BOM dropped, CRLF, blank lines skipped', () => {
    const text = '\uFEFFa,b.txt\r\n"quoted" key\n\n\ttab\tkey \nlast';
    expect(read('keys', Buffer.from(text, 'utf8'))).toEqual([
      { line: 1, text: 'a,b.txt' }, { line: 2, text: '"quoted" key' }, { line: 4, text: '\ttab\tkey ' }, { line: 5, text: 'last' },
    ]);
  });

  test('paths are trimmed (a path never holds raw whitespace); a line that is not UTF-8 or too long is marked, not dropped', () => {
    const bytes = Buffer.concat([Buffer.from(' /a%20b \n'), Buffer.from([0x2f, 0xff, 0x0a]), Buffer.from(`/${'x'.repeat(MAX_LINE_BYTES + 10)}\n/ok`)]);
    const items = read('paths', bytes, 1000);
    expect(items.map((i) => [i.line, i.invalid ?? i.text])).toEqual([
      [1, '/a%20b'], [2, 'the line is not valid UTF-8'], [3, `the line is longer than ${MAX_LINE_BYTES} bytes`], [4, '/ok'],
    ]);
    expect(items[2].text.length).toBeLessThanOrEqual(256);
  });

  test('a report written by a run reads back with every key intact, its previous outcome kept', () => {
    const keys = ['plain.txt', 'comma,key', 'quote"key', 'new\nline', 'crlf\r\nkey'];
    const csv = csvRow(REPORT_COLUMNS) + keys.map((key, i) => csvRow([`m/${key}`, i === 0 ? 'rejected' : 'origin-error', '502', '0'])).join('');
    expect(read('report', Buffer.from(csv, 'utf8'), 2)).toEqual(keys.map((key, i) => ({
      line: i + 2, text: `m/${key}`, previous: i === 0 ? 'rejected' : 'origin-error',
    })));
  });

  test('a report without a key column, or ending inside quotes, cannot be read', () => {
    expect(() => read('report', Buffer.from('name,outcome\r\nx,y\r\n'))).toThrow(/first row must name its columns, with "key"/);
    const rows = new CsvRows();
    rows.push('key\n"open');
    expect(() => rows.end()).toThrow(/ends inside a quoted field/);
  });
});

describe('each format\'s key, by the mirror\'s rules', () => {
  test('keys: the raw key, any character, under keyPrefix; stripPrefix removed first', () => {
    for (const raw of ['a b+c.txt', 'ümlaut/%41.txt', '@scope/pkg', '//x', 'q?s=1#h']) {
      expect(itemKey({ line: 1, text: raw }, 'keys', RULES)).toMatchObject({ kind: 'key', key: { key: `m/${raw}` } });
    }
    expect(itemKey({ line: 1, text: 'assets/x.txt' }, 'keys', RULES, 'assets/')).toMatchObject({ kind: 'key', key: { key: 'm/x.txt' } });
    expect(itemKey({ line: 1, text: 'other/x.txt' }, 'keys', RULES, 'assets/')).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/stripPrefix/) });
    expect(itemKey({ line: 1, text: '\uD800' }, 'keys', RULES)).toMatchObject({ kind: 'rejected', reason: 'the key is not valid Unicode' });
    expect(itemKey({ line: 1, text: 'x'.repeat(1023) }, 'keys', RULES)).toMatchObject({ kind: 'rejected', status: 414 });
  });

  test('inventory: keys URL-encoded as S3 Inventory writes them (a space as +)', () => {
    expect(decodeInventoryKey('a+b%2Bc%2Fd.txt')).toBe('a b+c/d.txt');
    expect(itemKey({ Bucket: 'old', Key: 'dir/a+b%2Bc.txt' }, 'inventory', RULES)).toMatchObject({ kind: 'key', key: { key: 'm/dir/a b+c.txt' } });
    expect(itemKey({ Bucket: 'old', Key: '%E0%A4%A' }, 'inventory', RULES)).toMatchObject({ kind: 'rejected' });
  });

  test('report: a rejected row is rejected again, never read as a key; others are the bucket\'s keys', () => {
    expect(itemKey({ line: 2, text: '/a%ZZ', previous: 'rejected' }, 'report', RULES)).toMatchObject({ kind: 'rejected', reason: 'rejected in the run this report comes from' });
    expect(itemKey({ line: 2, text: 'm/x.txt', previous: 'origin-error' }, 'report', RULES)).toMatchObject({ kind: 'key', key: { key: 'm/x.txt' } });
    expect(itemKey({ line: 2, text: 'x.txt', previous: 'origin-error' }, 'report', RULES)).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/keyPrefix/) });
  });

  test('listing: another mirror\'s keys in a shared bucket are skipped, as CloudFront routes their paths', () => {
    const shared: KeyRules = { ...RULES, served: [{ patterns: [{ pattern: 'legacy/*', mine: false }, { pattern: '/img/*.jpg', mine: true }], defaultMine: false }] };
    expect(itemKey({ Key: 'm/img/a.jpg' }, 'listing', shared).kind).toBe('key');
    expect(itemKey({ Key: 'm/img/a.png' }, 'listing', shared).kind).toBe('skipped');
    expect(itemKey({ Key: 'm/legacy/a.jpg' }, 'listing', shared).kind).toBe('skipped');
    expect(itemKey({ Key: 'other/a.jpg' }, 'listing', shared).kind).toBe('skipped');
  });

  test('listing: a key another mirror on the bucket owns (its keyPrefix, a path it serves) is skipped, though this mirror serves its path', () => {
    // The default mirror (no keyPrefix) and addMirror('/legacy/*', { keyPrefix: 'l/' }) on its bucket.
    const legacy = { keyPrefix: 'l/', variantQueryStrings: ['v'], served: [{ patterns: [{ pattern: '/legacy/*.png', mine: true }], defaultMine: false }] };
    const byDefault: KeyRules = { keyPrefix: '', variantQueryStrings: [], served: [{ patterns: [{ pattern: '/legacy/*.png', mine: false }], defaultMine: true }], others: [] };
    expect(itemKey({ Key: 'l/legacy/a.png' }, 'listing', byDefault).kind).toBe('key');
    const shared: KeyRules = { ...byDefault, others: [legacy] };
    expect(itemKey({ Key: 'l/legacy/a.png' }, 'listing', shared)).toEqual({ kind: 'skipped', input: 'l/legacy/a.png' });
    // A variant's key: the behaviour is chosen by the path before its query.
    expect(itemKey({ Key: 'l/legacy/a.png?v=1' }, 'listing', shared).kind).toBe('skipped');
    // Under the other prefix but a path the other mirror does not serve: this mirror's.
    expect(itemKey({ Key: 'l/other/a.png' }, 'listing', shared).kind).toBe('key');
    expect(itemKey({ Key: 'l/legacy/a.jpg' }, 'listing', shared).kind).toBe('key');
    expect(itemKey({ Key: 'img/a.png' }, 'listing', shared).kind).toBe('key');
  });
});

test('path patterns as CloudFront matches them', () => {
  expect(pathPatternMatches('/legacy/*', '/legacy/a/b.txt')).toBe(true);
  expect(pathPatternMatches('legacy/*', '/legacy/a')).toBe(true);
  expect(pathPatternMatches('/img/?.jpg', '/img/a.jpg')).toBe(true);
  expect(pathPatternMatches('/img/?.jpg', '/img/ab.jpg')).toBe(false);
  expect(pathPatternMatches('/a.b', '/aXb')).toBe(false);
  expect(servesPath([{ patterns: [{ pattern: '/x/*', mine: false }], defaultMine: true }, { patterns: [], defaultMine: false }], '/x/1')).toBe(false);
  expect(servesPath([{ patterns: [{ pattern: '/x/*', mine: false }], defaultMine: false }, { patterns: [], defaultMine: true }], '/x/1')).toBe(true);
});

describe('the execution input', () => {
  const config = { manifestBucket: 'manifests' };
  test.each<[string, unknown, RegExp]>([
    ['no mode', {}, /mode must be one of prewarm, coverage, refresh/],
    ['prewarm without a manifest', { mode: 'prewarm' }, /prewarm needs a manifest/],
    ['an unknown format', { mode: 'coverage', manifest: { key: 'k', format: 'csv' } }, /manifest.format must be one of paths, keys, inventory, report, got "csv"/],
    ['another bucket', { mode: 'prewarm', manifest: { bucket: 'elsewhere', key: 'k', format: 'keys' } }, /manifest.bucket must be the jobs' manifest bucket "manifests"/],
    ['stripPrefix on paths', { mode: 'prewarm', manifest: { key: 'k', format: 'paths', stripPrefix: 'a/' } }, /stripPrefix applies to the keys and inventory formats only/],
  ])('%s is refused, saying why', (_name, input, message) => {
    expect(() => checkInput(input, config)).toThrow(InvalidJobInput);
    expect(() => checkInput(input, config)).toThrow(message);
  });

  test('refresh needs no manifest; a full input is taken as it is', () => {
    expect(checkInput({ mode: 'refresh' }, config)).toEqual({ mode: 'refresh' });
    const input = { mode: 'prewarm', manifest: { bucket: 'manifests', key: 'keys.txt', format: 'keys', stripPrefix: 'assets/' } };
    expect(checkInput(input, config)).toEqual(input);
  });
});

test('the tally: counts, bytes, CSV rows only for what needs more, changed paths, a failed batch\'s items listed by key', async () => {
  const csv: string[] = [];
  const changed: string[] = [];
  const tally = new Tally({ write: async (t) => void csv.push(t) }, { write: async (t) => void changed.push(t) }, (item) => itemKey(item, 'keys', RULES));
  await tally.line({ key: 'm/a', outcome: 'stored', status: 200, bytes: 10 });
  await tally.line({ key: 'm/b', outcome: 'present', bytes: 0 });
  await tally.line({ key: 'm/c', outcome: 'updated', status: 200, bytes: 5, invalidate: ['/c'] });
  await tally.line({ key: 'm/d,e', outcome: 'origin-error', status: 502, bytes: 0 });
  await tally.line({ Status: 'FAILED', Error: 'Lambda.Unknown', Cause: 'crashed', Input: JSON.stringify({ BatchInput: {}, Items: [{ line: 7, text: 'f' }, { line: 8, text: '../g' }] }) });
  expect([tally.items, tally.bytes, tally.failedBatches, tally.changedPaths]).toEqual([6, 15, 1, 1]);
  expect(tally.outcomes).toEqual({ 'stored': 1, 'present': 1, 'updated': 1, 'origin-error': 1, 'internal-error': 1, 'rejected': 1 });
  expect(csv.join('')).toBe('"m/d,e",origin-error,502,0\r\nm/f,internal-error,,0\r\n../g,rejected,400,0\r\n');
  expect(changed.join('')).toBe('/c\n');
  await expect(tally.line({ what: 1 })).rejects.toThrow(/unexpected line/);
});
