import { distance } from 'fastest-levenshtein';

/** The nearest candidate to `name`, if it is close enough to be a plausible typo. */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  // A transposition ('=>' for '>=', 'stpes' for 'steps') beats any other edit.
  const letters = [...name.toLowerCase()].sort().join('');
  const anagram = candidates.find((c) => c.length > 1 && [...c.toLowerCase()].sort().join('') === letters);
  if (anagram !== undefined) return anagram;
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(name.length, best.length) / 3));
  return bestD <= limit ? best : undefined;
}

/** "Did you mean 'x'?" or a list of the valid names when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const n = nearest(name, candidates);
  if (n !== undefined) return `Did you mean '${n}'?`;
  return candidates.length > 0 ? `Valid names: ${candidates.join(', ')}.` : '';
}
