import {
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  type ClientCapabilities,
  type InputRequiredResult,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { argsDigest } from './audit.js';

/**
 * Multi Round-Trip confirmation (protocol 2026-07-28): a destructive call answers "input required" with
 * an elicitation and a signed `requestState`; the client retries with the user's answer and the state.
 * The state travels in the request, never in one process's memory, so any replica holding the same key
 * can answer the retry. It is bound to the caller's verified identity and the method, names the tool and
 * a digest of its arguments, and expires; the SDK refuses a state that fails verification before the
 * handler runs (nothing is executed).
 */

/** How long a confirmation question stays answerable. */
export const STATE_TTL_SECONDS = 300;

/** The key the answer travels under in `inputResponses`. */
const CONFIRM_KEY = 'confirm';

/** What a signed round-trip state says: which call the question was about. */
interface ConfirmState {
  tool: string;
  args: string;
}

/**
 * Read a state key file: at least 32 random bytes written as hex or base64 (whitespace anywhere is
 * ignored). Throws a one-sentence error naming the file otherwise.
 */
export function readStateKey(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`state key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseStateKey(text, file);
}

/** Decode a key written as hex or base64 (hex wins when both read it). */
export function parseStateKey(text: string, name = 'state key'): Uint8Array {
  const s = text.replace(/\s+/g, '');
  let key: Buffer | undefined;
  if (s.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(s)) key = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) key = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key) throw new Error(`${name}: not hex or base64; write at least 32 random bytes, e.g. \`openssl rand -hex 32\`.`);
  if (key.length < 32) throw new Error(`${name}: ${key.length} bytes; at least 32 random bytes are needed (\`openssl rand -hex 32\`).`);
  return new Uint8Array(key);
}

/** A fresh random key for one process (a retry must then reach the same process). */
export function randomStateKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

/** Who a request comes from, for binding: the verified identity the transport attached, or the local user. */
export function principal(ctx: ServerContext): string {
  const extra = ctx.http?.authInfo?.extra as { client?: string } | undefined;
  return extra?.client ?? (ctx.http ? 'anonymous' : 'local');
}

export function createStateCodec(key: Uint8Array): RequestStateCodec<ConfirmState> {
  return createRequestStateCodec<ConfirmState>({
    key,
    ttlSeconds: STATE_TTL_SECONDS,
    bind: (ctx) => `${ctx.mcpReq.method}\0${principal(ctx)}`,
  });
}

/**
 * The client's capabilities for this request: on 2026-07-28 they travel in the request's `_meta` envelope
 * (the connection has none: getClientCapabilities() is undefined there); on a 2025 connection, from initialize.
 */
export function clientCapabilities(ctx: ServerContext, fromInitialize: ClientCapabilities | undefined): ClientCapabilities | undefined {
  // the published 2.4.0 types declare the envelope as {}
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  return (envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined) ?? fromInitialize;
}

/**
 * Ask before a destructive call, or read the answer of a retry: true = confirmed, false = declined,
 * otherwise the input-required result to send back. On a 2025 session the SDK turns the result into a
 * real `elicitation/create` and re-enters the handler with the answer.
 */
export async function confirmation(
  codec: RequestStateCodec<ConfirmState>,
  ctx: ServerContext,
  tool: { name: string; description: string },
  args: Record<string, unknown>,
  question: string,
): Promise<boolean | InputRequiredResult> {
  // the SDK already verified the state (MAC, expiry, identity binding) or refused the request
  const state = ctx.mcpReq.requestState<ConfirmState>();
  const digest = argsDigest(args);
  if (state && typeof state === 'object' && state.tool === tool.name && state.args === digest) {
    const answer = inputResponse(ctx.mcpReq.inputResponses, CONFIRM_KEY);
    if (answer.kind === 'elicit') return answer.action === 'accept' && answer.content?.confirm === true;
  }
  return inputRequired({
    inputRequests: {
      [CONFIRM_KEY]: inputRequired.elicit({
        message: question,
        requestedSchema: {
          type: 'object',
          properties: { confirm: { type: 'boolean', title: 'Yes, run it', description: `Confirm ${tool.name}` } },
          required: ['confirm'],
        },
      }),
    },
    requestState: await codec.mint({ tool: tool.name, args: digest }, ctx),
  });
}
