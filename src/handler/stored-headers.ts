/**
 * What S3 keeps of the origin's response headers: the representation
 * headers S3 stores with an object (values it cannot take are named and left
 * out), the origin's validators as user metadata, and Expires read as the
 * HTTP date it names. Pure.
 */

/** The origin's representation headers, as S3 keeps them. */
export interface StoredHeaders {
  readonly contentType?: string;
  readonly cacheControl?: string;
  readonly contentDisposition?: string;
  readonly contentEncoding?: string;
  readonly contentLanguage?: string;
  readonly expires?: Date;
  /** User metadata (`x-amz-meta-*`): the origin's ETag and Last-Modified. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Content type of an object the origin sent without one (S3 would otherwise say `binary/octet-stream`). */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const VISIBLE_ASCII = /^[\x20-\x7e\t]*$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)';
/** RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must also accept. */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d\\d) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d\\d)-${MONTH}-(\\d\\d) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** The instant an HTTP date names, in any of its three forms; undefined when `text` is none of them. */
export function parseHttpDate(text: string, now: Date = new Date()): Date | undefined {
  let day: string, month: string, year: number, time: string[];
  let match = IMF_FIXDATE.exec(text);
  if (match) {
    [, day, month] = match;
    year = Number(match[3]);
    time = match.slice(4, 7);
  } else if ((match = RFC_850_DATE.exec(text))) {
    [, day, month] = match;
    // A two-digit year more than 50 years ahead is the most recent past year with those digits.
    const century = Math.floor(now.getUTCFullYear() / 100) * 100;
    year = century + Number(match[3]);
    if (year > now.getUTCFullYear() + 50) year -= 100;
    time = match.slice(4, 7);
  } else if ((match = ASCTIME_DATE.exec(text))) {
    month = match[1];
    day = match[2];
    time = match.slice(3, 6);
    year = Number(match[6]);
  } else {
    return undefined;
  }
  const [hours, minutes, seconds] = time.map(Number);
  const date = new Date(Date.UTC(year, MONTHS.indexOf(month), Number(day), hours, minutes, seconds));
  // 31 Feb, 25:00 and the like are no date.
  if (date.getUTCDate() !== Number(day) || hours > 23 || minutes > 59 || seconds > 60) return undefined;
  return date;
}

/**
 * The S3 headers for the origin's response headers. Values S3 cannot take
 * (non-ASCII) are left out and named in `dropped`.
 */
export function storedHeaders(
  origin: Readonly<Record<string, string | string[] | undefined>>,
): { readonly headers: StoredHeaders; readonly dropped: string[] } {
  const dropped: string[] = [];
  const pick = (name: string): string | undefined => {
    const raw = origin[name];
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (value === undefined) return undefined;
    if (!VISIBLE_ASCII.test(value)) {
      dropped.push(name);
      return undefined;
    }
    return value;
  };
  const expiresText = pick('expires');
  // RFC 9111 §5.3: an Expires that is not an HTTP date (often "0" or "-1") means already expired.
  const expires = expiresText === undefined ? undefined : parseHttpDate(expiresText) ?? new Date(0);
  const metadata: Record<string, string> = {};
  const etag = pick('etag');
  if (etag !== undefined) metadata['origin-etag'] = etag;
  const lastModified = pick('last-modified');
  if (lastModified !== undefined) metadata['origin-last-modified'] = lastModified;
  return {
    headers: {
      contentType: pick('content-type') ?? DEFAULT_CONTENT_TYPE,
      cacheControl: pick('cache-control'),
      contentDisposition: pick('content-disposition'),
      contentEncoding: pick('content-encoding'),
      contentLanguage: pick('content-language'),
      expires,
      metadata,
    },
    dropped,
  };
}
