/**
 * A small Prometheus text-format registry: counters and histograms with labels.
 * Kept in-house because the hot path wants a Map lookup and an add, nothing more.
 */
type Labels = Record<string, string>;

function renderLabels(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`);
  return parts.join(",");
}

/** Rendered label sets by their raw form: a request's labels cost one concatenation and a lookup, not a sort. */
const renderedLabels = new Map<string, string>();
const MAX_CACHED_LABEL_SETS = 10_000;

function labelKey(labels: Labels): string {
  let raw = "";
  for (const k in labels) raw += `${k}\u0001${labels[k]}\u0002`;
  let key = renderedLabels.get(raw);
  if (key === undefined) {
    key = renderLabels(labels);
    if (renderedLabels.size < MAX_CACHED_LABEL_SETS) renderedLabels.set(raw, key);
  }
  return key;
}

interface Metric {
  render(): string;
}

/** One labelled series of a counter, bound once: adding to it costs no label work. */
export interface CounterSeries {
  inc(by?: number): void;
}

export class Counter implements Metric {
  private readonly values = new Map<string, { value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    this.cell(labelKey(labels)).value += by;
  }

  /** For a hot path that counts the same labels over and over (e.g. every sold-out answer). */
  series(labels: Labels = {}): CounterSeries {
    const cell = this.cell(labelKey(labels));
    return {
      inc(by = 1) {
        cell.value += by;
      },
    };
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, { value }] of this.values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${value}`);
    return lines.join("\n");
  }

  private cell(key: string): { value: number } {
    let cell = this.values.get(key);
    if (!cell) {
      cell = { value: 0 };
      this.values.set(key, cell);
    }
    return cell;
  }
}

/** A value that is set, not added to: queue depths and the like. */
export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  set(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), value);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [key, value] of this.values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${value}`);
    return lines.join("\n");
  }
}

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type HistogramCell = { counts: number[]; sum: number; count: number };

/** One labelled series of a histogram, bound once. */
export interface HistogramSeries {
  observe(value: number): void;
}

export class Histogram implements Metric {
  private readonly cells = new Map<string, HistogramCell>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = DEFAULT_BUCKETS,
  ) {}

  observe(labels: Labels, value: number): void {
    this.record(this.cell(labelKey(labels)), value);
  }

  /** One labelled series, bound once: see Counter.series. */
  series(labels: Labels = {}): HistogramSeries {
    const cell = this.cell(labelKey(labels));
    return { observe: (value) => this.record(cell, value) };
  }

  private cell(key: string): HistogramCell {
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.cells.set(key, cell);
    }
    return cell;
  }

  private record(cell: HistogramCell, value: number): void {
    for (let i = 0; i < this.buckets.length; i++)
      if (value <= (this.buckets[i] as number)) cell.counts[i] = (cell.counts[i] ?? 0) + 1;
    cell.sum += value;
    cell.count++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.cells) {
      const sep = key ? `${key},` : "";
      this.buckets.forEach((le, i) => {
        lines.push(`${this.name}_bucket{${sep}le="${le}"} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${key ? `{${key}}` : ""} ${s.sum}`);
      lines.push(`${this.name}_count${key ? `{${key}}` : ""} ${s.count}`);
    }
    return lines.join("\n");
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }

  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  render(): string {
    return `${this.metrics.map((m) => m.render()).join("\n")}\n`;
  }

  private add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
}
