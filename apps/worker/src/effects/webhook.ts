import { createHmac } from 'node:crypto';
import { hostname } from 'node:os';
import { UnrecoverableError } from 'bullmq';

/** Header names of a signed webhook. */
export const WEBHOOK_HEADERS = {
  /** `sha256=<hex HMAC-SHA256 of the raw body with the shared secret>`. */
  signature: 'x-signature',
  /** The effect id: the same on every delivery of one effect, so the receiver drops duplicates. */
  effectId: 'x-effect-id',
  /** Which worker process sent it (diagnostics only). */
  worker: 'x-worker-id',
} as const;

const WORKER_ID = `${hostname()}-${process.pid}`;

/** `sha256=<hex>`: what the receiver recomputes over the raw body to check the sender. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export interface WebhookTarget {
  url: string;
  secret: string;
  timeoutMs: number;
}

/**
 * POSTs a JSON body, signed, carrying the effect id (also as
 * `Idempotency-Key`). 2xx is success; 408, 429 and 5xx (and no answer) are
 * worth retrying; any other 4xx means the receiver refuses this request and a
 * retry cannot change that ({@link UnrecoverableError}).
 */
export async function postSigned(
  target: WebhookTarget,
  effectId: string,
  payload: unknown,
): Promise<{ status: number }> {
  const body = JSON.stringify(payload);
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        [WEBHOOK_HEADERS.signature]: signBody(target.secret, body),
        [WEBHOOK_HEADERS.effectId]: effectId,
        'idempotency-key': effectId,
        [WEBHOOK_HEADERS.worker]: WORKER_ID,
      },
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (error) {
    throw new Error(`POST ${target.url}: ${(error as Error).message}`);
  }
  // The body is not needed; drain it so the connection is reused.
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return { status: response.status };
  const message = `POST ${target.url}: HTTP ${response.status}`;
  if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Error(message);
  throw new UnrecoverableError(message);
}
