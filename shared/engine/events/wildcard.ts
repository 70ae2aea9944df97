/**
 * EventBridge's `wildcard` filter: `*` stands for any run of characters, including none; `\*` is a literal
 * asterisk and `\\` a literal backslash. As in Ruler, consecutive `*` and a backslash before anything else are
 * refused (the parser reports the problem; the caller names the path).
 */

/** The literal pieces between the wildcards: `a*b` is `['a', 'b']`, `*.png` is `['', '.png']`. */
export interface Wildcard {
  readonly source: string;
  readonly pieces: readonly string[];
}

export function parseWildcard(source: string): Wildcard | string {
  const pieces: string[] = [];
  let piece = '';
  for (let index = 0; index < source.length; index++) {
    const character = source[index];
    if (character === '*') {
      if (source[index + 1] === '*') return `consecutive * at position ${index + 1} are not allowed`;
      pieces.push(piece);
      piece = '';
    } else if (character === '\\') {
      const next = source[index + 1];
      if (next !== '*' && next !== '\\') {
        return `a backslash may only escape * or \\ (position ${index + 1}); write \\\\ for a backslash`;
      }
      piece += next;
      index++;
    } else {
      piece += character;
    }
  }
  pieces.push(piece);
  return { source, pieces };
}

/**
 * Glob matching without a regular expression, so a pattern with many `*` cannot backtrack exponentially: the first
 * piece anchors the start, the last the end, and each middle piece is taken at its leftmost place, which never
 * rules out a match a later place would allow.
 */
export function matchesWildcard(wildcard: Wildcard, value: string): boolean {
  const { pieces } = wildcard;
  const first = pieces[0]!;
  if (pieces.length === 1) return value === first;
  const last = pieces[pieces.length - 1]!;
  const end = value.length - last.length;
  if (end < first.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let position = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = value.indexOf(piece, position);
    if (found < 0 || found + piece.length > end) return false;
    position = found + piece.length;
  }
  return true;
}
