import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantDb } from '../database/tenant-db';
import { schemaForSlug } from '../tenancy/slug';

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
    const [{ ready }] = (await this.dataSource.query(`SELECT to_regclass('public.tenants') IS NOT NULL AS ready`)) as { ready: boolean }[];
    if (!ready) return;
    const tenants: { slug: string }[] = await this.dataSource.query('SELECT slug FROM public.tenants');
    for (const { slug } of tenants) {
      try {
        const [, failed] = (await this.db.run({ schema: schemaForSlug(slug) }, (em) =>
          em.query(
            `UPDATE exams SET status = 'failed', error = 'Interrupted: the server stopped during the exam', completed_at = now()
              WHERE status IN ('queued', 'running')`,
          ),
        )) as [unknown, number];
        if (failed > 0) this.logger.warn(`${slug}: ${failed} interrupted exam(s) marked failed`);
      } catch (error) {
        this.logger.error(`${slug}: could not recover exams: ${(error as Error).message}`);
      }
    }
  }
}
