import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantDb } from '../../database/tenant-db';
import { schemaForSlug } from '../../tenancy/slug';

/**
 * A training run works in the process that started it; if that process died, the run would stay
 * queued or running for ever and block the agent's next one (409). At start-up they are marked
 * failed, as ExecutionRecovery does for executions (and with the same single-process caveat).
 */
@Injectable()
export class TrainingRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger('Training');

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: TenantDb,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const [{ ready }] = (await this.dataSource.query(`SELECT to_regclass('public.tenants') IS NOT NULL AS ready`)) as { ready: boolean }[];
    if (!ready) return;
    const tenants: { slug: string }[] = await this.dataSource.query('SELECT slug FROM public.tenants');
    for (const { slug } of tenants) {
      try {
        const [, failed] = (await this.db.run({ schema: schemaForSlug(slug) }, (em) =>
          em.query(
            `UPDATE training_runs SET status = 'failed', error = 'Interrupted: the server stopped during the run', completed_at = now()
              WHERE status IN ('queued', 'running')`,
          ),
        )) as [unknown, number];
        if (failed > 0) this.logger.warn(`${slug}: ${failed} interrupted training run(s) marked failed`);
      } catch (error) {
        this.logger.error(`${slug}: could not recover training runs: ${(error as Error).message}`);
      }
    }
  }
}
