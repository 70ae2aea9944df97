/** Webhooks (see core.ts). */
import { logger } from '../observability/logger.ts';
import { SecretCipher } from '../runtime/cipher.ts';
import { WebhookService } from '../services/webhooks.ts';
import { WebhookRepository } from '../store/webhooks.ts';
import { getSecrets, getTable } from './core.ts';

let webhooks: WebhookService | undefined;

export const webhookService = () =>
  (webhooks ??= new WebhookService({
    webhooks: new WebhookRepository(getTable()),
    // Secrets sealed as fs secrets are: under a key derived from the signing key (cipher.ts).
    cipher: new SecretCipher(() => getSecrets().signingKey()),
    logger,
  }));
