/** Percentile (0-100) of unsorted values, nearest-rank; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** The spread of one metric over the runs. */
export interface Spread {
  min: number;
  median: number;
  max: number;
  values: number[];
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0
      ? Number.NaN
      : sorted.length % 2 === 1
        ? sorted[middle]
        : (sorted[middle - 1] + sorted[middle]) / 2;
  return {
    min: sorted[0] ?? Number.NaN,
    median,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    values: [...values],
  };
}

/** Latency percentiles in milliseconds. */
export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function latency(samplesMs: readonly number[]): Latency {
  return {
    p50: percentile(samplesMs, 50),
    p90: percentile(samplesMs, 90),
    p99: percentile(samplesMs, 99),
    max: percentile(samplesMs, 100),
  };
}
