// The data converter every Temporal Client and Worker of ordersaga uses: default JSON payloads,
// then AES-GCM encryption when PAYLOAD_ENCRYPTION_KEYS is set. The workflow sandbox never sees
// the codec: the SDK applies it in the client and in the worker's main thread.
import type { DataConverter } from '@temporalio/common';
import type { BaseConfig } from './config';
import { AesGcmPayloadCodec, parseEncryptionKeys } from './payload-codec';

type EncryptionConfig = Pick<BaseConfig, 'PAYLOAD_ENCRYPTION_KEYS'>;

/** The codec for the configured keys (none configured: encode passes through, decode refuses encrypted payloads). */
export function createPayloadCodec(config: EncryptionConfig): AesGcmPayloadCodec {
  return new AesGcmPayloadCodec(parseEncryptionKeys(config.PAYLOAD_ENCRYPTION_KEYS));
}

/** A DataConverter with the encryption codec, or undefined (the SDK's default) when no keys are configured. */
export function createDataConverter(config: EncryptionConfig): DataConverter | undefined {
  const keys = parseEncryptionKeys(config.PAYLOAD_ENCRYPTION_KEYS);
  if (keys.length === 0) return undefined;
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)] };
}
