import { createSecretKey, type KeyObject } from 'node:crypto';
import type { AppConfig } from '../config/config';

const keys = new WeakMap<AppConfig, KeyObject>();

/** The HS256 key as a KeyObject, built once per configuration and shared by signing and verifying. */
export function jwtKey(config: AppConfig): KeyObject {
  let key = keys.get(config);
  if (!key) {
    key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    keys.set(config, key);
  }
  return key;
}
