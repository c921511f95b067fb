// Small statistics for the benchmark: every figure is printed with its median and spread.

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

export const median = (values: number[]): number => quantile(values, 0.5);

export interface Summary {
  median: number;
  p95: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: number[]): Summary {
  return { median: median(values), p95: quantile(values, 0.95), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 100 ? value.toFixed(0) : value.toFixed(digits);
}

/** `12.3 ms (10.1–15.0, n=5)`: median, then the whole range. */
export function spread(s: Summary, unit: string, digits = 2): string {
  return `${fmt(s.median, digits)} ${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)}, n=${s.n})`;
}

/** Runs `fn` `times` times and returns the wall times in milliseconds. */
export async function timeRuns(times: number, fn: () => unknown | Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await fn();
    out.push(performance.now() - started);
  }
  return out;
}

export function mb(bytes: number): number {
  return bytes / 1e6;
}
