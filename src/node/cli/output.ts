/**
 * How CLI commands print: JSON for `--json`, aligned plain-text tables,
 * human byte sizes, and the parsing of sizes such as `50MB` given on the
 * command line. Everything writes through the command's CliIO so tests can
 * capture it. Much of what is printed comes from a registry (descriptions,
 * tags, URLs, names in cached documents), so every line, table cell and
 * JSON text printed here is passed through terminal-text.ts: no escape
 * sequence, control or bidirectional override reaches the terminal.
 */
import { UsageError } from '../../core/errors/index.js';
import type { CliIO } from './command.js';
import { terminalJson, terminalLine } from './terminal-text.js';

/** Prints a value as indented JSON on stdout, followed by a newline (characters a terminal acts on are \u-escaped). */
export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${terminalJson(JSON.stringify(value, null, 2))}\n`);
}

/** Prints lines on stdout, each followed by a newline; each is made one terminal-safe line. */
export function printLines(io: CliIO, lines: string[]): void {
  if (lines.length > 0) io.stdout.write(`${lines.map(terminalLine).join('\n')}\n`);
}

/**
 * Formats rows as a table with left-aligned columns separated by two spaces;
 * the header row comes first. Trailing spaces are trimmed. Each cell is made
 * one terminal-safe line.
 *
 * @example formatTable(['NAME', 'LATEST'], [['hello', '1.0.0']])
 */
export function formatTable(header: string[], rows: string[][]): string[] {
  // Cells are made terminal-safe before the widths are measured, so columns stay aligned.
  const all = [header, ...rows].map((row) => row.map(terminalLine));
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/**
 * A byte count for people: `512 B`, `1.5 KB`, `12.0 MB` (1 KB = 1024 bytes).
 *
 * @example formatBytes(1536) // '1.5 KB'
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

const FACTORS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * Parses a size given on the command line: a byte count (`1048576`) or a
 * number with a unit (`512K`, `50MB`, `1.5GiB`; units are powers of 1024).
 * Throws UsageError naming the option when the text is not a size.
 *
 * @example parseSize('50MB', '--max-size') // 52428800
 */
export function parseSize(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text) ?? /^\s*(\d+)\s*(b)\s*$/i.exec(text);
  const factor = match ? FACTORS[(match[2] ?? '').toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    throw new UsageError(`${option} "${text}" is not a size (examples: 1048576, 512KB, 50MB, 1GB)`);
  }
  return Math.floor(Number(match[1]) * factor);
}

/**
 * Parses a whole number option (`--limit 20`, `--timeout 5000`); throws
 * UsageError naming the option otherwise.
 */
export function parseCount(text: string, option: string, { min = 0 } = {}): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${option} "${text}" is not a whole number${min > 0 ? ` of at least ${min}` : ''}`);
  }
  return value;
}
