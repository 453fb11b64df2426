import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantDb } from '../database/tenant-db';
import { sweepTenants } from '../database/tenant-sweep';

/**
 * An exam runs in the process that started it; if that process died, the exam would stay queued or
 * running for ever and keep the agent from sitting another (409). At start-up they are marked failed
 * (no verdict, no cool-down), as ExecutionRecovery and TrainingRecovery do, with the same
 * single-process caveat.
 */
@Injectable()
export class ExamRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger('Graduation');

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: TenantDb,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await sweepTenants(this.dataSource, this.db, this.logger, 'interrupted exam(s) marked failed', async (em) => {
      const [, failed] = (await em.query(
        `UPDATE exams SET status = 'failed', error = 'Interrupted: the server stopped during the exam', completed_at = now()
          WHERE status IN ('queued', 'running')`,
      )) as [unknown, number];
      return failed;
    });
  }
}
