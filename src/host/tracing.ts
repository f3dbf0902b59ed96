import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span, Tracer } from '@opentelemetry/api';
import type { CallEnd, CallInfo, Observer, RequestDone, RequestInfo } from './observe.js';
import { RouteLabels } from './route-label.js';

export interface TracingOptions {
  /** OTLP/HTTP traces endpoint; default from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads them). */
  endpoint?: string;
  serviceVersion?: string;
}


/**
 * OpenTelemetry traces: a span per tool call with a child per upstream request, exported over OTLP/HTTP.
 * Spans carry names, outcomes, endpoint templates and status codes, never argument values or tokens.
 * The OpenTelemetry packages are imported only here, when tracing is on.
 */
export class Tracing implements Observer {
  private readonly current = new AsyncLocalStorage<Span>();
  private readonly routes = new RouteLabels();

  private constructor(
    private readonly tracer: Tracer,
    private readonly api: typeof import('@opentelemetry/api'),
    private readonly shutdownFn: () => Promise<void>,
  ) {}

  static async start(opts: TracingOptions = {}): Promise<Tracing> {
    const [api, sdk, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
    const exporter = new OTLPTraceExporter(opts.endpoint ? { url: opts.endpoint } : {});
    const provider = new sdk.BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'nomad-mcp', 'service.version': opts.serviceVersion ?? '0.0.0' }),
      spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
    });
    return new Tracing(provider.getTracer('nomad-mcp', opts.serviceVersion), api, () => provider.shutdown());
  }

  async around<T extends { end: CallEnd }>(info: CallInfo, run: () => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan(`tools/call ${info.name}`, {
      kind: this.api.SpanKind.SERVER,
      attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': info.name, 'mcp.transport': info.transport },
    });
    try {
      const r = await this.current.run(span, run);
      span.setAttribute('mcp.outcome', r.end.outcome);
      if (r.end.refused) span.setAttribute('mcp.refused', r.end.refused);
      if (r.end.outcome === 'error') span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: r.end.category });
      return r;
    } catch (err) {
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: 'internal error' });
      throw err;
    } finally {
      span.end();
    }
  }

  request(info: RequestInfo): RequestDone {
    const parent = this.current.getStore();
    const ctx = parent ? this.api.trace.setSpan(this.api.context.active(), parent) : undefined;
    const route = this.routes.label(info.path);
    const span = this.tracer.startSpan(
      `${info.method} ${route}`,
      { kind: this.api.SpanKind.CLIENT, attributes: { 'http.request.method': info.method, 'url.template': route, 'peer.service': info.upstream } },
      ctx,
    );
    return (status) => {
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      if (status === undefined || status >= 400) span.setStatus({ code: this.api.SpanStatusCode.ERROR });
      span.end();
    };
  }

  /** Export what is buffered and stop. */
  shutdown(): Promise<void> {
    return this.shutdownFn();
  }
}
