// Formatting helpers for human output: fixed-width tables and progress lines.

import { formatBytes, formatDuration } from '../../common/bytes.ts';

export function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [fmt(headers), rule, ...rows.map(fmt), rule];
}

export function progressLine(o: {
  elapsedMs: number;
  files?: number;
  totalFiles?: number;
  bytes: number;
  totalBytes?: number;
  errors?: number;
  current?: string;
}): string {
  const rate = o.elapsedMs > 0 ? (o.bytes / o.elapsedMs) * 1000 : 0;
  const parts = [`[${formatDuration(o.elapsedMs)}]`];
  if (o.totalBytes && o.totalBytes > 0) {
    parts.push(`${((100 * o.bytes) / o.totalBytes).toFixed(1)}%`);
    if (o.files !== undefined) parts.push(`${o.files}/${o.totalFiles ?? '?'} files`);
    parts.push(`${formatBytes(o.bytes)}/${formatBytes(o.totalBytes)}`);
  } else {
    if (o.files !== undefined) parts.push(`${o.files} files`);
    parts.push(formatBytes(o.bytes));
  }
  parts.push(`${formatBytes(rate)}/s`);
  if (o.totalBytes && rate > 0 && o.bytes < o.totalBytes)
    parts.push(`ETA ${formatDuration(((o.totalBytes - o.bytes) / rate) * 1000)}`);
  if (o.errors) parts.push(`${o.errors} errors`);
  if (o.current) parts.push(o.current);
  return parts.join(' ');
}

export function localTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
