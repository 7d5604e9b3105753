// autocannon ships no types; only what tests/k8s/lib.ts uses is declared here.
declare module 'autocannon' {
  interface Options {
    url: string;
    headers?: Record<string, string>;
    connections?: number;
    overallRate?: number;
    duration?: number;
    timeout?: number;
  }
  interface Histogram {
    p50: number;
    p99: number;
    average: number;
  }
  export interface Result {
    errors: number;
    timeouts: number;
    latency: Histogram;
    requests: Histogram;
    statusCodeStats?: Record<string, { count: number }>;
  }
  interface Instance {
    on(event: 'done', fn: (result: Result) => void): void;
    on(event: 'error', fn: (err: Error) => void): void;
    stop(): void;
  }
  export default function autocannon(opts: Options): Instance;
}
