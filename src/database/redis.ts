import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config';

/** The optional Redis connection (REDIS_URL). `client` is null when Redis is not configured. */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis | null;
  private readonly logger = new Logger('Redis');
  private subscriber: Redis | null = null;
  private readonly handlers = new Map<string, Array<(message: string) => void>>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = config.redisUrl
      ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false })
      : null;
    this.client?.on('error', (error) => this.logger.warn(`Redis: ${error.message}`));
  }

  async ping(): Promise<boolean> {
    if (!this.client) return false;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Best effort: a message lost while Redis is away is covered by the receivers' cache TTLs. */
  async publish(channel: string, message: string): Promise<void> {
    await this.client?.publish(channel, message).catch((error: Error) => this.logger.warn(`publish ${channel}: ${error.message}`));
  }

  /**
   * Calls `handler` for every message on `channel` from any process (this one included). A
   * subscribed connection can do nothing else, so subscriptions get a connection of their own.
   */
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    if (!this.client) return;
    if (!this.subscriber) {
      this.subscriber = this.client.duplicate();
      this.subscriber.on('error', (error) => this.logger.warn(`Redis subscriber: ${error.message}`));
      this.subscriber.on('message', (from: string, message: string) => this.handlers.get(from)?.forEach((h) => h(message)));
    }
    const handlers = this.handlers.get(channel) ?? [];
    this.handlers.set(channel, [...handlers, handler]);
    if (handlers.length === 0) await this.subscriber.subscribe(channel);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.subscriber) await this.subscriber.quit().catch(() => this.subscriber?.disconnect());
    if (this.client) await this.client.quit().catch(() => this.client?.disconnect());
  }
}
