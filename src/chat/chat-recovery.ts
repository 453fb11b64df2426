import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EXECUTION_DEADLINE_MS } from '../agents/execution/execution.service';
import { forEachTenant } from '../database/tenant-sweep';
import { ChatService } from './chat.service';

/** Longer than any turn can run (the model's deadline), so a turn started that long ago is over wherever it ran. */
export const TURN_LIFETIME_MS = EXECUTION_DEADLINE_MS + 60_000;

/**
 * A chat turn lives in the process that runs it; a process that dies (a crash, a kill) leaves its
 * turns without an answer, and a resume would find neither a live turn nor a stored one. They are
 * closed (ChatService.closeAbandonedTurns) twice: at start-up, those older than a turn can live; and
 * once more TURN_LIFETIME_MS later, all that started before this process did. Never a turn that may
 * still be running in another process (several processes, a rolling deploy).
 */
@Injectable()
export class ChatRecovery implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Chat');
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly chat: ChatService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const bootedAt = new Date();
    await this.sweep(new Date(bootedAt.getTime() - TURN_LIFETIME_MS));
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep(bootedAt).catch((error: unknown) => this.logger.error(`closing abandoned chat turns failed: ${String(error)}`));
    }, TURN_LIFETIME_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.sweeping;
  }

  /** Closes, in every tenant, the open turns started before `startedBefore`. */
  sweep(startedBefore: Date): Promise<void> {
    return forEachTenant(this.dataSource, this.logger, 'abandoned chat turn(s) stored as interrupted (shutdown)', (tenant) =>
      this.chat.closeAbandonedTurns(tenant, startedBefore),
    );
  }
}
