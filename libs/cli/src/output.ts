export const OUTPUT_FORMATS = ['json', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  /** Longer cells are cut to this many characters, ending in `…`. */
  max?: number;
}

/** What a table cell shows: `-` for nothing, lists joined with commas, objects as compact JSON, on one line. */
export function cell(value: unknown, max?: number): string {
  let text: string;
  if (value === undefined || value === null || value === '') text = '-';
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) text = value.join(',') || '-';
  else text = JSON.stringify(value);
  text = text.replace(/\s*\n\s*/g, ' ');
  return max !== undefined && text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}

/** Columns padded to their widest cell, two spaces apart, headers first; `(none)` under them when there are no rows. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const header = columns.map((column) => column.header);
  const body = rows.map((row) => columns.map((column) => cell(column.value(row), column.max)));
  const widths = header.map((title, index) => Math.max(title.length, ...body.map((line) => line[index].length)));
  const format = (line: string[]) =>
    line
      .map((text, index) => text.padEnd(widths[index]))
      .join('  ')
      .trimEnd();
  return [format(header), ...(body.length > 0 ? body.map(format) : ['(none)'])].join('\n');
}

/** `label: value` lines with the values aligned; fields without a value are left out. */
export function renderFields(fields: Record<string, unknown>): string {
  const shown = Object.entries(fields).filter(([, value]) => value !== undefined && value !== null);
  const width = Math.max(0, ...shown.map(([label]) => label.length + 1));
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${cell(value)}`).join('\n');
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A duration in milliseconds as people read it: `850 ms`, `12.3 s`, `4 min 5 s`, `2 h 10 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** How long between two ISO instants (or until now), or undefined without a start. */
export function elapsed(from: string | undefined, to?: string): string | undefined {
  if (!from) return undefined;
  return formatDuration((to ? Date.parse(to) : Date.now()) - Date.parse(from));
}
