/**
 * Secret properties at rest: sealed before they are stored, and returned only sealed, never in clear.
 * A value this server sealed already (a client sending back the properties it read) is kept as it is rather
 * than sealed twice, so that reading an fs and writing it back changes no secret.
 */
import type { SecretCipher } from '../runtime/cipher.ts';
import { type Properties, SECRET_PROPERTIES } from './fs-properties.ts';

const contextOf = (key: string) => `fs-property:${key}`;

export async function sealSecrets(cipher: SecretCipher, properties: Properties): Promise<Properties> {
  const sealed = { ...properties };
  for (const key of SECRET_PROPERTIES) {
    const value = sealed[key];
    if (!value || (await cipher.isSealed(value, contextOf(key)))) continue;
    sealed[key] = await cipher.seal(value, contextOf(key));
  }
  return sealed;
}

/** A secret property in clear, for the code that connects to the storage. */
export function openSecret(cipher: SecretCipher, key: (typeof SECRET_PROPERTIES)[number], value: string) {
  return cipher.open(value, contextOf(key));
}
