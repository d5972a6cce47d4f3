/**
 * The candidate `name` is most likely a misspelling of: within `maxDistance` edits (a letter
 * added, dropped, changed, or two neighbours swapped), the nearest, the first on a tie; else the
 * one candidate that begins with it, for a name cut short (`subject` for `subjectName`; four
 * letters at least, and only when one candidate does). Case is ignored in the comparison, and a
 * name that differs from a candidate in case alone gets it. Undefined when `name` is a candidate
 * itself or none is near.
 */
export function closestName(name: string, candidates: Iterable<string>, maxDistance = 2): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  const longer: string[] = [];
  for (const candidate of candidates) {
    if (candidate === name) return undefined;
    const lower = candidate.toLowerCase();
    // Case alone differs: nearest of all (`PoolName` is poolName; names are case-sensitive).
    if (lower === wanted) return candidate;
    const distance = editDistance(wanted, lower, bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
    if (wanted.length >= 4 && lower.startsWith(wanted)) longer.push(candidate);
  }
  return best ?? (longer.length === 1 ? longer[0] : undefined);
}

/** Optimal string alignment distance, or `limit` once it is at least that (names are short). */
function editDistance(left: string, right: string, limit: number): number {
  if (Math.abs(left.length - right.length) >= limit) return limit;
  const rows: number[][] = [];
  for (let i = 0; i <= left.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= right.length; j += 1) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = left[i - 1] === right[j - 1] ? 0 : 1;
      const above = rows[i - 1]!;
      let distance = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && left[i - 1] === right[j - 2] && left[i - 2] === right[j - 1]) distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      row.push(distance);
    }
    rows.push(row);
  }
  return Math.min(rows[left.length]![right.length]!, limit);
}
