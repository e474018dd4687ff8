// Payload encryption for Temporal history: AES-256-GCM with keys named by id, so keys can rotate.
// Runs in the client and the worker (outside the workflow sandbox) and behind the codec endpoint
// the Temporal UI calls. The wire format is the one of Temporal's encryption samples: data =
// 12-byte IV || ciphertext || 16-byte tag of the serialized Payload, metadata
// `encoding: binary/encrypted` and `encryption-key-id: <id>`.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** A payload names a key id that is not configured: it cannot be read here. */
export class UnknownEncryptionKeyError extends Error {
  constructor(
    readonly keyId: string,
    known: readonly string[],
  ) {
    super(
      `payload was encrypted with key '${keyId}', which is not configured ` +
        `(PAYLOAD_ENCRYPTION_KEYS has ${known.length > 0 ? known.map((k) => `'${k}'`).join(', ') : 'no keys'})`,
    );
    this.name = 'UnknownEncryptionKeyError';
  }
}

/** An encrypted payload that does not decrypt: tampered with, truncated, or a different key under the same id. */
export class UndecryptablePayloadError extends Error {
  constructor(
    readonly keyId: string,
    detail: string,
  ) {
    super(`payload encrypted with key '${keyId}' cannot be decrypted: ${detail}`);
    this.name = 'UndecryptablePayloadError';
  }
}

/**
 * Parses PAYLOAD_ENCRYPTION_KEYS: `id:<base64 of 32 bytes>` separated by commas, the first one
 * encrypts, every one decrypts. Empty means no encryption. Throws with a message that never
 * contains key material.
 */
export function parseEncryptionKeys(value: string): EncryptionKey[] {
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  const keys: EncryptionKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const material = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) throw new Error(`key ${index + 1} must be "<id>:<base64 key>" with an id of letters, digits, '.', '_' or '-'`);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(material)) throw new Error(`key '${id}' is not base64`);
    const key = Buffer.from(material, 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`key '${id}' must be ${KEY_BYTES} bytes (got ${key.length}); \`openssl rand -base64 32\` makes one`);
    if (keys.some((k) => k.id === id)) throw new Error(`key id '${id}' appears twice`);
    keys.push({ id, key });
  }
  return keys;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function metadataString(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value == null ? undefined : textDecoder.decode(value);
}

export function isEncryptedPayload(payload: Payload): boolean {
  return metadataString(payload, 'encoding') === ENCRYPTED_ENCODING;
}

/**
 * Encrypts with the first key; decrypts with whichever key the payload names. Payloads that are
 * not encrypted pass through decode untouched, so histories written before encryption was turned
 * on still read. With no keys, encode passes everything through and decode refuses encrypted
 * payloads (they name a key this process does not have).
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly current: EncryptionKey | undefined;

  constructor(keys: readonly EncryptionKey[]) {
    this.current = keys[0];
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const current = this.current;
    if (!current) return payloads;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, current.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: textEncoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: textEncoder.encode(current.id) },
        data: new Uint8Array(data),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncryptedPayload(payload) ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
    const keyId = metadataString(payload, KEY_ID_METADATA) ?? '';
    const key = this.byId.get(keyId);
    if (!key) throw new UnknownEncryptionKeyError(keyId, this.keyIds);
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new UndecryptablePayloadError(keyId, 'too short');
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const decipher = createDecipheriv(ALGORITHM, key, iv);
    decipher.setAuthTag(tag);
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new UndecryptablePayloadError(keyId, 'authentication failed (tampered with, or another key under this id)');
    }
    const { metadata, data: inner, externalPayloads } = temporal.api.common.v1.Payload.decode(plain);
    return { metadata, data: inner, ...(externalPayloads.length > 0 ? { externalPayloads } : {}) };
  }
}
