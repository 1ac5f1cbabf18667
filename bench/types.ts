export interface BenchResult {
  /** Lines to print: figures with their units, peers side by side. */
  lines: string[];
  goalsMet?: boolean;
  goalNote?: string;
}

export interface Benchmark {
  description: string;
  run(): Promise<BenchResult>;
}
