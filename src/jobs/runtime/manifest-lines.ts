/**
 * A `paths`, `keys` or `report` manifest as items, read as a stream: Step Functions reads CSV, JSON, JSONL and S3
 * Inventory manifests, not plain lines, and a key may hold any delimiter or quote, so the prepare step turns each
 * line into one JSONL item (`{"line":n,"text":…}`) that Distributed Map then reads. Nothing is decoded here: the
 * item function decodes each text once, with the mirror's key rules. Pure.
 */
import type { LineItem, ManifestFormat } from '../protocol';

/** Longest line kept: a key is at most 1,024 bytes, a path that percent-encodes one at most about 3 KiB. */
export const MAX_LINE_BYTES = 16 * 1024;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Reads a manifest's bytes into items, piece by piece. */
export interface ManifestReader {
  /** The items completed by `chunk`. */
  push(chunk: Buffer): LineItem[];
  /** The items of what is left at the end. */
  end(): LineItem[];
}

/** A reader for `format` (`inventory` is read by Distributed Map itself). */
export function manifestReader(format: Exclude<ManifestFormat, 'inventory'>): ManifestReader {
  return format === 'report' ? new ReportReader() : new LineReader(format);
}

/** One text line per item: `\n` or `\r\n` ends a line; blank lines are skipped; a leading BOM is the file's, not the key's. */
class LineReader implements ManifestReader {
  private pieces: Buffer[] = [];
  private held = 0;
  private overflow = false;
  private line = 0;
  private first = true;

  constructor(private readonly format: 'paths' | 'keys') {}

  push(chunk: Buffer): LineItem[] {
    const items: LineItem[] = [];
    let from = 0;
    if (this.first && chunk.length > 0) {
      this.first = false;
      if (chunk.subarray(0, 3).equals(BOM)) from = 3;
    }
    for (let at = chunk.indexOf(0x0a, from); at >= 0; at = chunk.indexOf(0x0a, from)) {
      this.keep(chunk.subarray(from, at));
      const item = this.finishLine();
      if (item) items.push(item);
      from = at + 1;
    }
    this.keep(chunk.subarray(from));
    return items;
  }

  end(): LineItem[] {
    const item = this.finishLine();
    return item ? [item] : [];
  }

  private keep(piece: Buffer): void {
    if (this.overflow || piece.length === 0) return;
    if (this.held + piece.length > MAX_LINE_BYTES + 1) {
      // Past the limit only the start is kept, for the report.
      this.pieces.push(Buffer.from(piece.subarray(0, Math.max(0, 256 - this.held))));
      this.overflow = true;
      return;
    }
    // A copy: the chunk's memory is not held for a line that spans chunks.
    this.pieces.push(Buffer.from(piece));
    this.held += piece.length;
  }

  private finishLine(): LineItem | undefined {
    let bytes = Buffer.concat(this.pieces);
    const overflow = this.overflow;
    this.pieces = [];
    this.held = 0;
    this.overflow = false;
    this.line++;
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    if (overflow) return { line: this.line, text: bytes.subarray(0, 256).toString('utf8'), invalid: `the line is longer than ${MAX_LINE_BYTES} bytes` };
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      return { line: this.line, text: bytes.toString('utf8').slice(0, 256), invalid: 'the line is not valid UTF-8' };
    }
    // A path never holds raw whitespace (it would be percent-encoded); a key may, so a key line is kept as it is.
    if (this.format === 'paths') text = text.trim();
    return text === '' ? undefined : { line: this.line, text };
  }
}

/** A previous run's CSV (`key,outcome,status,bytes`, RFC 4180): one item per row, its key column as the text. */
class ReportReader implements ManifestReader {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  private readonly csv = new CsvRows();
  private columns?: { key: number; outcome: number };
  private row = 0;

  push(chunk: Buffer): LineItem[] {
    return this.items(this.csv.push(this.decode(chunk, true)));
  }

  end(): LineItem[] {
    return this.items([...this.csv.push(this.decode(Buffer.alloc(0), false)), ...this.csv.end()]);
  }

  private decode(chunk: Buffer, stream: boolean): string {
    try {
      return this.decoder.decode(chunk, { stream });
    } catch {
      throw new ManifestError('the report is not valid UTF-8');
    }
  }

  private items(rows: string[][]): LineItem[] {
    const items: LineItem[] = [];
    for (const fields of rows) {
      this.row++;
      if (!this.columns) {
        const key = fields.indexOf('key');
        if (key < 0) throw new ManifestError(`the report's first row must name its columns, with "key" among them, got ${JSON.stringify(fields.join(',').slice(0, 200))}`);
        this.columns = { key, outcome: fields.indexOf('outcome') };
        continue;
      }
      if (fields.length === 1 && fields[0] === '') continue;
      const text = fields[this.columns.key];
      const previous = this.columns.outcome >= 0 ? fields[this.columns.outcome] : undefined;
      if (text === undefined) items.push({ line: this.row, text: fields.join(',').slice(0, 256), invalid: 'the row has no key column' });
      else items.push({ line: this.row, text, ...(previous ? { previous } : {}) });
    }
    return items;
  }
}

/** A manifest that cannot be read at all (not a row-by-row problem). */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidManifest';
  }
}

/** An RFC 4180 CSV parser fed text piece by piece: quoted fields may hold commas, quotes (doubled) and line breaks. */
export class CsvRows {
  private field = '';
  private fields: string[] = [];
  /** start of a field, inside an unquoted one, inside a quoted one, a quote read inside one, after a closed one. */
  private state: 'start' | 'plain' | 'quoted' | 'quote' | 'after' = 'start';

  /** The rows completed by `text`. */
  push(text: string): string[][] {
    const rows: string[][] = [];
    for (const c of text) {
      switch (this.state) {
        case 'quoted':
          if (c === '"') this.state = 'quote';
          else this.field += c;
          break;
        case 'quote':
          if (c === '"') {
            this.field += '"';
            this.state = 'quoted';
          } else {
            this.state = 'after';
            this.delimiter(c, rows);
          }
          break;
        case 'after':
          this.delimiter(c, rows);
          break;
        case 'start':
          if (c === '"') {
            this.state = 'quoted';
            break;
          }
          this.state = 'plain';
          this.delimiter(c, rows);
          break;
        default:
          this.delimiter(c, rows);
      }
      if (this.field.length > MAX_LINE_BYTES) throw new ManifestError(`a field is longer than ${MAX_LINE_BYTES} characters`);
    }
    return rows;
  }

  /** The last row, when the text did not end with a line break. */
  end(): string[][] {
    if (this.state === 'quoted') throw new ManifestError('the report ends inside a quoted field');
    if (this.state === 'start' && this.fields.length === 0) return [];
    const rows: string[][] = [];
    this.endRow(rows);
    return rows;
  }

  /** A character outside quotes: a comma ends the field, a line break the row; a CR before it is dropped. */
  private delimiter(c: string, rows: string[][]): void {
    if (c === ',') this.endField();
    else if (c === '\n') this.endRow(rows);
    else if (c !== '\r' || this.state === 'plain') this.field += c;
  }

  private endRow(rows: string[][]): void {
    if (this.state === 'plain' && this.field.endsWith('\r')) this.field = this.field.slice(0, -1);
    this.endField();
    rows.push(this.fields);
    this.fields = [];
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.state = 'start';
  }
}
