/** Word counting, kept apart from the plugin to show that local modules are bundled. */

/** How often each lowercase word occurs in `text`. */
export function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

/** The `n` most frequent words, ties in alphabetical order. */
export function mostFrequent(counts: Map<string, number>, n: number): Array<{ word: string; count: number }> {
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, Math.max(0, n))
    .map(([word, count]) => ({ word, count }));
}
