import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantDb } from '../../database/tenant-db';
import { schemaForSlug } from '../../tenancy/slug';
import { WebhookEvents } from '../../webhooks/webhook-events.service';

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
    private readonly events: WebhookEvents,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // With MIGRATE_ON_START=false on an empty database (the OpenAPI CLI) there is nothing to recover.
    const [{ ready }] = (await this.dataSource.query(`SELECT to_regclass('public.tenants') IS NOT NULL AS ready`)) as { ready: boolean }[];
    if (!ready) return;
    const tenants: { id: string; slug: string }[] = await this.dataSource.query('SELECT id, slug FROM public.tenants');
    for (const tenant of tenants) {
      const { slug } = tenant;
      try {
        const failed = await this.db.run({ schema: schemaForSlug(slug) }, async (em) => {
          const [rows] = (await em.query(
            `UPDATE executions SET status = 'failed', error = 'Interrupted: the server stopped during the execution',
                    completed_at = now(), updated_at = now()
              WHERE status IN ('queued', 'running')
              RETURNING id, agent_id`,
          )) as [{ id: string; agent_id: string }[], number];
          // A finished execution is announced however it finished, this way included.
          for (const row of rows) {
            await this.events.emit(em, tenant, 'agent.executed', { agent_id: row.agent_id, execution_id: row.id, status: 'failed', result: null });
          }
          return rows.length;
        });
        if (failed > 0) this.logger.warn(`${slug}: ${failed} interrupted execution(s) marked failed`);
      } catch (error) {
        this.logger.error(`${slug}: could not recover executions: ${(error as Error).message}`);
      }
    }
  }
}
