import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantDb } from '../../database/tenant-db';
import { schemaForSlug } from '../../tenancy/slug';

/**
 * An execution runs in the process that started it. If that process died, the execution would stay
 * queued or running for ever: at start-up they are marked failed. (With several processes behind a
 * load balancer this needs a heartbeat per execution instead: noted for the scale-out work.)
 */
@Injectable()
export class ExecutionRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger('Execution');

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: TenantDb,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // With MIGRATE_ON_START=false on an empty database (the OpenAPI CLI) there is nothing to recover.
    const [{ ready }] = (await this.dataSource.query(`SELECT to_regclass('public.tenants') IS NOT NULL AS ready`)) as { ready: boolean }[];
    if (!ready) return;
    const tenants: { slug: string }[] = await this.dataSource.query('SELECT slug FROM public.tenants');
    for (const { slug } of tenants) {
      try {
        const [, failed] = (await this.db.run({ schema: schemaForSlug(slug) }, (em) =>
          em.query(
            `UPDATE executions SET status = 'failed', error = 'Interrupted: the server stopped during the execution',
                    completed_at = now(), updated_at = now()
              WHERE status IN ('queued', 'running')`,
          ),
        )) as [unknown, number];
        if (failed > 0) this.logger.warn(`${slug}: ${failed} interrupted execution(s) marked failed`);
      } catch (error) {
        this.logger.error(`${slug}: could not recover executions: ${(error as Error).message}`);
      }
    }
  }
}
