import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createDataConverter } from './data-converter';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, parseEncryptionKeys, UndecryptablePayloadError, UnknownEncryptionKeyError } from './payload-codec';
import { apiSchema, ConfigError, parseConfig } from './config';

const keyText = () => randomBytes(32).toString('base64');
const K1 = `k1:${keyText()}`;
const K2 = `k2:${keyText()}`;

const order = { shippingAddress: { line1: '1 Main St', city: 'Austin' }, payment: { token: 'tok_ok' } };
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const codecWith = (keys: string) => new AesGcmPayloadCodec(parseEncryptionKeys(keys));

describe('the AES-GCM payload codec', () => {
  it('gives back exactly the payload it encrypted', async () => {
    const codec = codecWith(K1);
    const payload = plain(order);
    const [encrypted] = await codec.encode([payload]);
    const [decrypted] = await codec.decode([encrypted]);
    expect(decrypted).toEqual(payload);
    expect(defaultPayloadConverter.fromPayload(decrypted)).toEqual(order);
  });

  it('leaves no readable address or token and names the key in the metadata', async () => {
    const [encrypted] = await codecWith(K1).encode([plain(order)]);
    expect(text(encrypted.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encrypted.metadata?.['encryption-key-id'])).toBe('k1');
    expect(Object.keys(encrypted.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-key-id']);
    expect(text(encrypted.data)).not.toContain('Main St');
    expect(text(encrypted.data)).not.toContain('tok_ok');
    expect(text(encrypted.data)).not.toContain('json/plain');
  });

  it('uses a fresh IV for every payload, so equal payloads encrypt differently', async () => {
    const codec = codecWith(K1);
    const [a, b] = await codec.encode([plain(order), plain(order)]);
    expect(Buffer.from(a.data!).subarray(0, 12).equals(Buffer.from(b.data!).subarray(0, 12))).toBe(false);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  it('refuses a payload whose ciphertext was changed', async () => {
    const codec = codecWith(K1);
    const [encrypted] = await codec.encode([plain(order)]);
    const data = Buffer.from(encrypted.data!);
    data[20] ^= 0x01;
    await expect(codec.decode([{ ...encrypted, data }])).rejects.toThrow(UndecryptablePayloadError);
    await expect(codec.decode([{ ...encrypted, data: data.subarray(0, 10) }])).rejects.toThrow(/too short/);
  });

  it('refuses a payload decrypted with another key under the same id', async () => {
    const [encrypted] = await codecWith(K1).encode([plain(order)]);
    await expect(codecWith(`k1:${keyText()}`).decode([encrypted])).rejects.toThrow(/key 'k1' cannot be decrypted: authentication failed/);
  });

  it('still reads payloads of the old key after a new key is put first (rotation)', async () => {
    const [old] = await codecWith(K1).encode([plain(order)]);
    const rotated = codecWith(`${K2},${K1}`);
    const [fresh] = await rotated.encode([plain(order)]);
    expect(text(fresh.metadata?.['encryption-key-id'])).toBe('k2');
    const decoded = await rotated.decode([old, fresh]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([order, order]);
  });

  it('fails clearly for a key id it does not have', async () => {
    const [encrypted] = await codecWith(K1).encode([plain(order)]);
    const other = codecWith(K2);
    await expect(other.decode([encrypted])).rejects.toThrow(UnknownEncryptionKeyError);
    await expect(other.decode([encrypted])).rejects.toThrow("payload was encrypted with key 'k1', which is not configured (PAYLOAD_ENCRYPTION_KEYS has 'k2')");
    await expect(new AesGcmPayloadCodec([]).decode([encrypted])).rejects.toThrow(/has no keys/);
  });

  it('passes plain payloads through decode, so histories from before encryption still read', async () => {
    const payloads = [plain(order), plain(null), plain(undefined), plain(new Uint8Array([1, 2, 3]))];
    expect(await codecWith(K1).decode(payloads)).toEqual(payloads);
  });

  it('passes everything through encode when no key is configured', async () => {
    const payloads = [plain(order)];
    expect(await new AesGcmPayloadCodec([]).encode(payloads)).toEqual(payloads);
  });
});

describe('PAYLOAD_ENCRYPTION_KEYS', () => {
  it('lists keys as id:base64, the first one encrypting', () => {
    const keys = parseEncryptionKeys(` ${K2} , ${K1} `);
    expect(keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(keys.every((k) => k.key.length === 32)).toBe(true);
    expect(parseEncryptionKeys('')).toEqual([]);
  });

  it.each([
    ['a key without an id', keyText(), /must be "<id>:<base64 key>"/],
    ['a short key', `k1:${randomBytes(16).toString('base64')}`, /must be 32 bytes \(got 16\)/],
    ['a key that is not base64', 'k1:not base64!', /not base64/],
    ['a repeated id', `${K1},${K1}`, /appears twice/],
  ])('refuses %s', (_what, value, message) => {
    expect(() => parseEncryptionKeys(value)).toThrow(message);
  });

  it('stops the process with a line that shows no key material', () => {
    const secret = randomBytes(16).toString('base64');
    let error: unknown;
    try {
      parseConfig(apiSchema, { PAYLOAD_ENCRYPTION_KEYS: `k1:${secret}` });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^invalid configuration: PAYLOAD_ENCRYPTION_KEYS key 'k1' must be 32 bytes/);
    expect((error as Error).message).not.toContain(secret);
  });

  it('gives the SDK a data converter with the codec only when keys are configured', () => {
    expect(createDataConverter({ PAYLOAD_ENCRYPTION_KEYS: '' })).toBeUndefined();
    const converter = createDataConverter({ PAYLOAD_ENCRYPTION_KEYS: K1 });
    expect(converter?.payloadCodecs).toHaveLength(1);
    expect(converter?.payloadCodecs?.[0]).toBeInstanceOf(AesGcmPayloadCodec);
  });

  it('refuses "*" among the codec CORS origins (credentials need a named origin)', () => {
    expect(() => parseConfig(apiSchema, { CODEC_CORS_ORIGINS: '*' })).toThrow(/CODEC_CORS_ORIGINS/);
    expect(parseConfig(apiSchema, {}).CODEC_CORS_ORIGINS).toBe('http://127.0.0.1:8233,http://localhost:8233');
  });
});
