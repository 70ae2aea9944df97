/**
 * Webhooks (Floe's extension): where status events go over HTTP. The API registers them; `deliver` is the target
 * of the fixed `StatusWebhooks` rule (event-rules.ts), called with each status event: it POSTs the event to every
 * webhook of the run's owner and of root whose pattern, if it has one, matches it.
 */
import { type EventPattern, matchesEventPattern, parseEventPattern } from '../engine/events/index.ts';
import { PfError } from '../errors.ts';
import type { SecretCipher } from '../runtime/cipher.ts';
import type { BusEvent } from '../runtime/events.ts';
import type { Page, PageRequest } from '../store/paging.ts';
import type { WebhookFilter, WebhookRecord, WebhookRepository } from '../store/webhooks.ts';
import { readEventPattern } from './event-pattern-input.ts';
import { type Actor, assertAccess, listedOwners, ROOT_USER } from './users.ts';
import { type PostResult, postWithRetries, type RetryPolicy } from './webhook-post.ts';
import { SIGNATURE_HEADER, signatureOf } from './webhook-signature.ts';

const WEBHOOK_ID = /^webhook-\d{6,15}$/;
const MAX_URL_CHARS = 2048;
const MAX_SECRET_CHARS = 256;

export interface CreateWebhookRequest {
  url: string;
  /** An EventBridge event pattern; undefined for every status event. */
  pattern?: unknown;
  /** '' or undefined: deliveries are not signed. */
  secret?: string;
}

/** How one delivery of an event to one webhook went. */
export interface WebhookDelivery extends PostResult {
  webhookId: string;
}

export interface WebhookLogger {
  warn(message: string, details: Record<string, unknown>): void;
}

export interface WebhookServiceDeps {
  webhooks: WebhookRepository;
  cipher: Pick<SecretCipher, 'seal' | 'open'>;
  retry?: RetryPolicy;
  logger?: WebhookLogger;
  now?: () => Date;
}

const notFound = (id: string) => new PfError('WebhookNotFound', `webhook[${id}] not found`);
const invalid = (message: string) => new PfError('InvalidArguments', message);
/** The secret is sealed for its own webhook: a sealed value copied onto another webhook does not open. */
const secretContext = (id: string) => `webhook-secret:${id}`;

/** How long a read of an owner's webhooks serves deliveries (see `ofOwner`). */
const LIST_TTL_MS = 5_000;

/** A webhook as deliveries use it: its pattern parsed once per read, not once per event. */
interface Receiver {
  webhook: WebhookRecord;
  accepts: (event: BusEvent) => boolean;
}

export class WebhookService {
  private readonly lists = new Map<string, { expires: number; receivers: Promise<Receiver[]> }>();

  constructor(private readonly deps: WebhookServiceDeps) {}

  async create(actor: Actor, request: CreateWebhookRequest): Promise<WebhookRecord> {
    const url = checkUrl(request.url);
    const pattern =
      request.pattern === undefined || request.pattern === null
        ? undefined
        : readEventPattern(request.pattern);
    const secret = request.secret ?? '';
    if (secret.length > MAX_SECRET_CHARS) {
      throw invalid(`secret is longer than ${MAX_SECRET_CHARS} characters`);
    }
    const { id, seq } = await this.deps.webhooks.allocateId();
    const record: WebhookRecord = {
      id,
      seq,
      owner: actor.name,
      url,
      ...(pattern ? { pattern } : {}),
      ...(secret ? { sealedSecret: await this.deps.cipher.seal(secret, secretContext(id)) } : {}),
      createdAt: (this.deps.now?.() ?? new Date()).toISOString(),
    };
    await this.deps.webhooks.create(record);
    this.lists.clear();
    return record;
  }

  /** Root sees everyone's webhooks (or those of `owners`); anyone else their own and may not filter by user. */
  async list(actor: Actor, filter: WebhookFilter, page: PageRequest): Promise<Page<WebhookRecord>> {
    const owners = listedOwners(actor, filter.owners);
    return this.deps.webhooks.list({ owners }, page);
  }

  async get(actor: Actor, id: string): Promise<WebhookRecord> {
    const webhook = WEBHOOK_ID.test(id) ? await this.deps.webhooks.get(id) : undefined;
    if (!webhook) throw notFound(id);
    assertAccess(actor, webhook.owner, 'webhook', id);
    return webhook;
  }

  /** Hard delete, after the same checks as `get`. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.get(actor, id);
    await this.deps.webhooks.delete(id);
    this.lists.clear();
  }

  /**
   * POSTs a status event to the webhooks it is for, all at once. A webhook that fails is logged and reported,
   * never thrown: one broken receiver must not make the others receive the event again. Only failing to read
   * the webhooks throws (the delivery is then retried whole).
   */
  async deliver(event: BusEvent): Promise<WebhookDelivery[]> {
    const webhooks = await this.webhooksFor(event);
    const body = JSON.stringify(event);
    return Promise.all(webhooks.map((webhook) => this.deliverTo(webhook, event, body)));
  }

  /** The owner's webhooks and root's (a status event's `detail.username` is its owner), whose pattern matches. */
  private async webhooksFor(event: BusEvent): Promise<WebhookRecord[]> {
    const owner = event.detail.username;
    const owners = new Set([ROOT_USER, ...(typeof owner === 'string' && owner ? [owner.toLowerCase()] : [])]);
    const found = await Promise.all([...owners].map((name) => this.ofOwner(name)));
    return found
      .flat()
      .filter((receiver) => receiver.accepts(event))
      .map((receiver) => receiver.webhook);
  }

  /**
   * An owner's webhooks, read at most once per LIST_TTL_MS: every step's every status change is an event, and
   * most owners have no webhook, so reading the table for each would double a run's reads. A change made
   * through this instance is seen at once; one made elsewhere (another Lambda container) within LIST_TTL_MS.
   */
  private ofOwner(owner: string): Promise<Receiver[]> {
    const now = Date.now();
    const cached = this.lists.get(owner);
    if (cached && cached.expires > now) return cached.receivers;
    const receivers = this.deps.webhooks.ofOwner(owner).then((webhooks) => webhooks.map(receiverOf));
    this.lists.set(owner, { expires: now + LIST_TTL_MS, receivers });
    receivers.catch(() => this.lists.delete(owner));
    return receivers;
  }

  private async deliverTo(webhook: WebhookRecord, event: BusEvent, body: string): Promise<WebhookDelivery> {
    let result: PostResult;
    try {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'floe',
        // Deliveries are at least once: the id lets a receiver drop a repeat.
        'x-floe-event-id': event.id,
      };
      if (webhook.sealedSecret) {
        const secret = await this.deps.cipher.open(webhook.sealedSecret, secretContext(webhook.id));
        headers[SIGNATURE_HEADER] = signatureOf(secret, body);
      }
      result = await postWithRetries(webhook.url, body, headers, this.deps.retry);
    } catch (error) {
      result = { ok: false, attempts: 0, error: (error as Error).message ?? String(error) };
    }
    if (!result.ok) {
      (this.deps.logger ?? consoleLogger).warn('webhook delivery failed', {
        webhookId: webhook.id,
        owner: webhook.owner,
        url: webhook.url,
        eventId: event.id,
        ...result,
      });
    }
    return { webhookId: webhook.id, ...result };
  }
}

const consoleLogger: WebhookLogger = { warn: (message, details) => console.warn(message, details) };

/** A stored pattern was valid when stored; one that no longer parses (a stricter Floe) matches nothing. */
function receiverOf(webhook: WebhookRecord): Receiver {
  if (!webhook.pattern) return { webhook, accepts: () => true };
  let pattern: EventPattern;
  try {
    pattern = parseEventPattern(webhook.pattern);
  } catch {
    return { webhook, accepts: () => false };
  }
  return { webhook, accepts: (event) => matchesEventPattern(pattern, event) };
}

function checkUrl(url: string): string {
  const refuse = () =>
    invalid(
      `url[${url}] is invalid: it must be an absolute http:// or https:// URL of at most ${MAX_URL_CHARS} characters`,
    );
  if (url.length === 0 || url.length > MAX_URL_CHARS) throw refuse();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse();
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw refuse();
  return url;
}
