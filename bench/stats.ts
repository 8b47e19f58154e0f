/** Percentiles, medians and number formatting shared by every section. */

/** The `p`-th percentile (0–100) of `samples` by the nearest-rank method; sorts a copy. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** P50, P95 and P99 of one run's samples, in the samples' unit. */
export interface Latency {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export function latency(samples: readonly number[]): Latency {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number): number => {
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
    return sorted[rank - 1] as number;
  };
  return { p50: at(50), p95: at(95), p99: at(99) };
}

/** The median of several runs' figures (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median of each percentile over runs. */
export function medianLatency(runs: readonly Latency[]): Latency {
  return {
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
  };
}

/** `12345.6` → `12,346`; small rates keep one decimal. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return 'n/a';
  return perSecond >= 100
    ? Math.round(perSecond).toLocaleString('en-US')
    : perSecond.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** Milliseconds with three significant decimals for sub-millisecond figures. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 100) return `${Math.round(ms).toLocaleString('en-US')} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(3)} ms`;
}

/** `0.934` → `0.93×`. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a';
}

/** Bytes as `12.3 KB` / `1.2 MB` (powers of 1024). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Order of `items` for round `round`: rotated by one per round, so no variant always runs first. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
