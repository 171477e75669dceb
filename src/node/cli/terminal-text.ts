/**
 * Text from a registry (descriptions, tags, names in cached documents, the
 * server's error messages) made safe to print on a terminal. A hostile
 * publisher or registry could otherwise write escape sequences that erase
 * or rewrite lines (CSI 2K, a carriage return), set the clipboard (OSC 52),
 * retitle the window, or reorder what a person reads (bidirectional
 * overrides). Escape sequences (CSI, OSC, DCS, SOS, PM, APC and two-byte
 * ESC sequences, in their 7-bit and 8-bit forms) are removed whole, payload
 * included; then every other C0 and C1 control, DEL, and the bidirectional
 * embedding, override and isolate characters (U+202A–U+202E,
 * U+2066–U+2069). Single-line text turns newlines, tabs and line
 * separators into spaces first; multi-line text keeps `\n`. All of it runs
 * in one linear pass of each regular expression.
 */

/** String-type sequences (OSC, DCS, SOS, PM, APC), up to their terminator (BEL or ST) or the end of the text. */
const STRING_SEQUENCE = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g;
/** Control sequences: CSI parameters, intermediates and a final byte. */
const CONTROL_SEQUENCE = /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?/g;
/** Two-byte escapes (ESC and one more byte), and a lone ESC at the end. */
const SHORT_ESCAPE = /\x1b[\x20-\x7e]?/g;
/** Whitespace that breaks a line or jumps: made a space in single-line text. */
const LINE_BREAKS = /\r\n|[\n\t\v\f\u2028\u2029\x85]/g;
/** What is left to remove: C0 (but \n when multi-line), DEL, C1, bidirectional controls. */
const CONTROLS_SINGLE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS_MULTI = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

function withoutSequences(text: string): string {
  return text.replace(STRING_SEQUENCE, '').replace(CONTROL_SEQUENCE, '').replace(SHORT_ESCAPE, '');
}

/**
 * `text` as one line safe for a terminal: escape sequences and control
 * characters removed, newlines and tabs made spaces.
 *
 * @example terminalLine('nice\x1b[2K\rEVIL') // 'niceEVIL'
 */
export function terminalLine(text: string): string {
  return withoutSequences(text).replace(LINE_BREAKS, ' ').replace(CONTROLS_SINGLE, '');
}

/**
 * `text` safe for a terminal, keeping its line breaks (`\r\n` becomes `\n`;
 * a lone `\r`, which would let the next text overwrite the line, is removed).
 *
 * @example terminalText('line 1\nline 2\x1b]52;c;ZXZpbA==\x07') // 'line 1\nline 2'
 */
export function terminalText(text: string): string {
  return withoutSequences(text).replace(/\r\n/g, '\n').replace(CONTROLS_MULTI, '');
}

/** C1 controls, DEL, line separators and bidirectional controls, which JSON.stringify leaves raw. */
const JSON_UNSAFE = /[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text with the characters JSON.stringify leaves raw but a terminal
 * may act on written as `\uXXXX` escapes: the same JSON value, safe to print.
 * (C0 controls, ESC included, are escaped by JSON.stringify already.)
 *
 * @example terminalJson(JSON.stringify({ d: '\u202e' })) // '{"d":"\\u202e"}'
 */
export function terminalJson(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
