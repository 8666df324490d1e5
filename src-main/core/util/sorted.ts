/** Binary searches over ascending arrays (typed or plain). */

/** The first index whose value is not below `v` (numpy's searchsorted, side='left'): the count of smaller values. */
export function lowerBound(sorted: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Position of `id` in ascending `ids` (customer ids, dense indices …), or −1 when it is not there. */
export function indexOfSorted(ids: ArrayLike<number>, id: number): number {
  const at = lowerBound(ids, id);
  return at < ids.length && ids[at] === id ? at : -1;
}
