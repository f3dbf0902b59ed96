import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallEnd, CallInfo, Observer, RequestDone, RequestInfo } from './observe.js';
import { RouteLabels } from './route-label.js';

/** Numbers read when Prometheus scrapes (open sessions, streams, tools served). */
export interface MetricGauges {
  sessions?: () => { streamable: number; sse: number };
  openStreams?: () => number;
  tools?: () => number;
}

/** At most this many distinct Nomad endpoint labels; beyond it `other` (labels must stay bounded). */
const MAX_ROUTES = 300;

/**
 * Prometheus metrics of a shared server (prom-client, the Nomad ecosystem's convention): tool calls by tool
 * and outcome, their durations, Nomad requests by endpoint template and status, refusals, catalog reloads,
 * open sessions and streams, and the process's own (memory, CPU, event loop).
 */
export class Metrics implements Observer {
  private constructor(
    readonly registry: Registry,
    private readonly calls: Counter<'tool' | 'outcome' | 'transport'>,
    private readonly callSeconds: Histogram<'tool'>,
    private readonly requests: Counter<'upstream' | 'method' | 'route' | 'status'>,
    private readonly requestSeconds: Histogram<'upstream' | 'method' | 'route'>,
    private readonly refusals: Counter<'reason'>,
    private readonly reloads: Counter<'result'>,
    private routes: RouteLabels,
  ) {}

  private readonly seenRoutes = new Set<string>();

  static async create(gauges: MetricGauges, routeWords: Iterable<string> = []): Promise<Metrics> {
    const prom = await import('prom-client');
    const registry = new prom.Registry();
    prom.collectDefaultMetrics({ register: registry });
    const reg = { registers: [registry] };
    const calls = new prom.Counter({ name: 'nomad_mcp_tool_calls_total', help: 'Tool calls and resource reads, by tool, outcome (ok, error, denied, input-required) and transport', labelNames: ['tool', 'outcome', 'transport'] as const, ...reg });
    const callSeconds = new prom.Histogram({
      name: 'nomad_mcp_tool_call_duration_seconds',
      help: 'Time from a tool call arriving to its answer',
      labelNames: ['tool'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      ...reg,
    });
    const requests = new prom.Counter({ name: 'nomad_mcp_upstream_requests_total', help: 'Requests to Nomad (and other upstreams) by endpoint template and HTTP status (0: no answer)', labelNames: ['upstream', 'method', 'route', 'status'] as const, ...reg });
    const requestSeconds = new prom.Histogram({
      name: 'nomad_mcp_upstream_request_duration_seconds',
      help: 'Time to an upstream answer (for streams: to its headers)',
      labelNames: ['upstream', 'method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ...reg,
    });
    const refusals = new prom.Counter({ name: 'nomad_mcp_refusals_total', help: 'Callers refused by a limit: rate-limited, busy (concurrent calls), or a transport cap (sessions, streams, token checks)', labelNames: ['reason'] as const, ...reg });
    const reloads = new prom.Counter({ name: 'nomad_mcp_catalog_reloads_total', help: 'Catalog reloads applied (reloaded) or rejected for errors (rejected; the last good catalog is kept)', labelNames: ['result'] as const, ...reg });
    const gauge = (name: string, help: string, labelNames: string[], collect: (this: Gauge) => void) => new prom.Gauge({ name, help, labelNames, collect, ...reg });
    if (gauges.sessions) {
      gauge('nomad_mcp_sessions_open', 'Open Streamable HTTP sessions and legacy SSE streams', ['transport'], function () {
        const s = gauges.sessions!();
        this.set({ transport: 'streamable-http' }, s.streamable);
        this.set({ transport: 'sse' }, s.sse);
      });
    }
    if (gauges.openStreams) gauge('nomad_mcp_upstream_streams_open', 'Long Nomad requests open now (log follows, event streams, blocking waits)', [], function () { this.set(gauges.openStreams!()); });
    if (gauges.tools) gauge('nomad_mcp_tools_served', 'Tools in tools/list', [], function () { this.set(gauges.tools!()); });
    return new Metrics(registry, calls, callSeconds, requests, requestSeconds, refusals, reloads, new RouteLabels(routeWords));
  }

  /** The catalog changed: its request paths give the endpoint words. */
  setRouteWords(words: Iterable<string>): void {
    this.routes = new RouteLabels(words);
  }

  callEnded(info: CallInfo, end: CallEnd): void {
    this.calls.inc({ tool: info.name, outcome: end.outcome, transport: info.transport });
    this.callSeconds.observe({ tool: info.name }, end.ms / 1000);
    if (end.refused === 'rate-limited' || end.refused === 'busy') this.refusals.inc({ reason: end.refused });
  }

  request(info: RequestInfo): RequestDone {
    const started = performance.now();
    let route = this.routes.label(info.path);
    if (!this.seenRoutes.has(route)) {
      if (this.seenRoutes.size >= MAX_ROUTES) route = 'other';
      else this.seenRoutes.add(route);
    }
    return (status) => {
      this.requests.inc({ upstream: info.upstream, method: info.method, route, status: String(status ?? 0) });
      this.requestSeconds.observe({ upstream: info.upstream, method: info.method, route }, (performance.now() - started) / 1000);
    };
  }

  refused(reason: string): void {
    this.refusals.inc({ reason });
  }

  catalog(event: 'reloaded' | 'rejected'): void {
    this.reloads.inc({ result: event });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
