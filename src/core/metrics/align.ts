// Pairing the response tokens of the same response scored under two prompts (Q and Q'), for the
// distribution-consistency metric. Usually the two response tokenizations are identical; they can
// differ in the first token (a merge across the prompt/response boundary) or after truncation.

/**
 * Response tokens of one sequence: ids and byte spans relative to the response start
 * (spans[2k], spans[2k+1] = start, end of token k), or spans = null when unknown.
 */
export interface ResponseTokens {
  ids: ArrayLike<number>;
  spans: Int32Array | null;
}

/**
 * Index pairs (i in a, j in b) of response tokens that are the SAME token in both: same id and,
 * when both have spans, the same relative byte span. Without spans: the longest common suffix of
 * ids (BPE is local, so tokenizations agree away from the boundary).
 */
export function alignResponseTokens(a: ResponseTokens, b: ResponseTokens): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  if (a.spans && b.spans) {
    let i = 0;
    let j = 0;
    const na = a.ids.length;
    const nb = b.ids.length;
    while (i < na && j < nb) {
      const as = a.spans[2 * i]!;
      const bs = b.spans[2 * j]!;
      if (as < bs) i++;
      else if (bs < as) j++;
      else {
        if (a.spans[2 * i + 1] === b.spans[2 * j + 1] && a.ids[i] === b.ids[j]) pairs.push([i, j]);
        i++;
        j++;
      }
    }
    return pairs;
  }
  let i = a.ids.length - 1;
  let j = b.ids.length - 1;
  while (i >= 0 && j >= 0 && a.ids[i] === b.ids[j]) pairs.push([i--, j--]);
  return pairs.reverse();
}
