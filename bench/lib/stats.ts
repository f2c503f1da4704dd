// Small statistics over measured samples.

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return percentile(sorted, 50) ?? NaN;
}

/**
 * The median of the rounds' ratios a[i] / b[i], to three decimals. Each round measures both under the
 * same machine conditions; a shared box drifts between rounds, so pairs are compared, not medians.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return Math.round(median(a.map((value, i) => value / b[i]!)) * 1000) / 1000;
}
