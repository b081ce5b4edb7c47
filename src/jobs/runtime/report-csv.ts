/**
 * The run's CSV report: `key,outcome,status,bytes`, RFC 4180 quoting (a key may hold commas, quotes and line
 * breaks), read back by the `report` manifest format. Pure.
 */

/** The report's columns, in order. */
export const REPORT_COLUMNS: readonly string[] = ['key', 'outcome', 'status', 'bytes'];

/** One CSV row, CRLF-terminated as RFC 4180 writes it. */
export function csvRow(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** A field, quoted when it holds a comma, a quote or a line break (quotes doubled). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
