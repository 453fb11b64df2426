import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantDb } from '../../database/tenant-db';
import { sweepTenants } from '../../database/tenant-sweep';

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
    await sweepTenants(this.dataSource, this.db, this.logger, 'interrupted training run(s) marked failed', async (em) => {
      const [, failed] = (await em.query(
        `UPDATE training_runs SET status = 'failed', error = 'Interrupted: the server stopped during the run', completed_at = now()
          WHERE status IN ('queued', 'running')`,
      )) as [unknown, number];
      return failed;
    });
  }
}
