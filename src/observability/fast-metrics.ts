// Counters and a histogram whose updates on the request path are plain additions, read by
// prom-client only at scrape time. prom-client's own metrics hash their labels on every update,
// which measured at about 15% of the hot path's throughput (44k → 50k req/s without them).
// Both register on a prom-client Registry (its metric contract is `name` + async `get()`), so
// /metrics, and the cluster AggregatorRegistry, see them as usual.
import type { Registry } from 'prom-client';

/** One label set's count. */
export class CounterCell {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export interface MetricSpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  readonly registry: Registry;
}

export class FastCounter<L extends string = never> {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter';
  readonly #labelNames: readonly L[];
  readonly #cells = new Map<string, { labels: Record<string, string>; cell: CounterCell }>();

  constructor(spec: MetricSpec<L>) {
    this.name = spec.name;
    this.help = spec.help;
    this.#labelNames = spec.labelNames ?? [];
    spec.registry.registerMetric(this as never);
  }

  /** The cell for these label values; keep it to increment it without any lookup. */
  labels(...values: { [K in keyof L]: string }[number][]): CounterCell {
    const key = values.join('\u0000');
    let entry = this.#cells.get(key);
    if (entry === undefined) {
      const labels = Object.fromEntries(this.#labelNames.map((name, i) => [name, values[i] ?? '']));
      entry = { labels, cell: new CounterCell() };
      this.#cells.set(key, entry);
    }
    return entry.cell;
  }

  inc(by = 1): void {
    this.labels().inc(by);
  }

  /** Every label set's count, read synchronously (the admin's /stats). */
  values(): Array<{ labels: Readonly<Record<string, string>>; value: number }> {
    return [...this.#cells.values()].map(({ labels, cell }) => ({ labels, value: cell.value }));
  }

  async get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values: this.values() };
  }
}

/** A histogram's state: counts per bucket (not cumulative; the last one is above every bound). */
export interface HistogramSnapshot {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export class FastHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly #bounds: readonly number[];
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(spec: Omit<MetricSpec<never>, 'labelNames'> & { readonly buckets: readonly number[] }) {
    this.name = spec.name;
    this.help = spec.help;
    this.#bounds = [...spec.buckets].sort((a, b) => a - b);
    this.#counts = new Float64Array(this.#bounds.length);
    spec.registry.registerMetric(this as never);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.#counts[i]!++;
        return;
      }
    }
  }

  snapshot(): HistogramSnapshot {
    const counts = [...this.#counts];
    counts.push(this.#count - counts.reduce((a, b) => a + b, 0));
    return { bounds: this.#bounds, counts, sum: this.#sum, count: this.#count };
  }

  async get() {
    let cumulative = 0;
    const buckets = this.#bounds.map((le, i) => {
      cumulative += this.#counts[i]!;
      return { labels: { le }, value: cumulative, metricName: `${this.name}_bucket` };
    });
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: 'sum',
      values: [
        ...buckets,
        { labels: { le: '+Inf' }, value: this.#count, metricName: `${this.name}_bucket` },
        { labels: {}, value: this.#sum, metricName: `${this.name}_sum` },
        { labels: {}, value: this.#count, metricName: `${this.name}_count` },
      ],
    };
  }
}
