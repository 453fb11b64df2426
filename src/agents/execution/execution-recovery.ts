import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantDb } from '../../database/tenant-db';
import { sweepTenants } from '../../database/tenant-sweep';
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
    await sweepTenants(this.dataSource, this.db, this.logger, 'interrupted execution(s) marked failed', async (em, tenant) => {
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
  }
}
