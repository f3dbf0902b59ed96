/**
 * GET /v1/event/stream — newline-delimited JSON: `{}` first, then `{"Index":N,"Events":[…]}` for
 * each write matching the topics (`topic=Job:web`, `topic=Allocation`, default all) and namespace,
 * with `{}` heartbeats every heartbeatMs.
 */
import { permissionDenied } from './acl.js';
import { coded, type Ctx, RESPONDED, StreamWriter } from './http.js';
import type { EventBatch } from './state.js';
import type { StreamEvent } from './types.js';

function parseTopics(ctx: Ctx): Map<string, string[]> {
  const raw = ctx.query.getAll('topic');
  const topics = new Map<string, string[]>();
  if (raw.length === 0) {
    topics.set('*', ['*']);
    return topics;
  }
  for (const t of raw) {
    const parts = t.split(':');
    if (parts.length > 2) throw coded(400, `Invalid topic query: error parsing topics: Invalid key value pair for topic, topic: ${t}`);
    const [topic, key = '*'] = parts;
    topics.set(topic, [...(topics.get(topic) ?? []), key]);
  }
  return topics;
}

function matches(e: StreamEvent, topics: Map<string, string[]>, namespace: string): boolean {
  if (namespace !== '*' && e.Namespace !== '' && e.Namespace !== namespace) return false;
  const keys = [...(topics.get(e.Topic) ?? []), ...(topics.get('*') ?? [])];
  return keys.some((k) => k === '*' || k === e.Key || (e.FilterKeys ?? []).includes(k));
}

/**
 * nomad/event_endpoint.go validateACL/validateNsOp: every topic in every namespace the stream covers
 * (all of them for `*`) must be readable, or the whole stream is 403 before it starts: job-like
 * topics need read-job, Node node:read, NodePool and `*` (or any other topic) a management token.
 */
function validateTopics(ctx: Ctx, namespace: string, topics: Map<string, string[]>): void {
  const acl = ctx.acl;
  const namespaces = namespace === '*' ? [...ctx.state.namespaces.keys()] : [namespace];
  for (const ns of namespaces) {
    for (const topic of topics.keys()) {
      let ok: boolean;
      if (['Deployment', 'Evaluation', 'Allocation', 'Job', 'Service'].includes(topic)) ok = acl.allowNsOp(ns, 'read-job');
      else if (topic === 'Node') ok = acl.allowNodeRead();
      else ok = acl.isManagement();
      if (!ok) throw permissionDenied();
    }
  }
}

export async function eventStream(ctx: Ctx): Promise<unknown> {
  ctx.requireMethod('GET');
  const indexText = ctx.q('index') || '0';
  if (!/^[+-]?\d+$/.test(indexText)) {
    throw coded(400, `Unable to parse index: strconv.Atoi: parsing ${JSON.stringify(indexText)}: invalid syntax`);
  }
  const fromIndex = Number(indexText);
  const topics = parseTopics(ctx);
  const namespace = ctx.namespace();
  validateTopics(ctx, namespace, topics);
  const state = ctx.state;
  const writer = new StreamWriter(ctx, 'application/json', { 'Cache-Control': 'no-cache' });
  let lastWrite = Date.now();
  const send = (batch: EventBatch) => {
    const events = batch.Events.filter((e) => matches(e, topics, namespace));
    if (events.length === 0) return;
    lastWrite = Date.now();
    void writer.write(JSON.stringify({ Index: batch.Index, Events: events }) + '\n');
  };
  await writer.write('{}\n');
  if (fromIndex > 0) for (const batch of state.eventLog) if (batch.Index > fromIndex) send(batch);
  const off = state.onEvents(send);
  const heartbeat = setInterval(() => {
    if (Date.now() - lastWrite >= ctx.env.heartbeatMs * 0.9) {
      lastWrite = Date.now();
      void writer.write('{}\n');
    }
  }, ctx.env.heartbeatMs);
  writer.onClose(() => {
    clearInterval(heartbeat);
    off();
  });
  return RESPONDED;
}
