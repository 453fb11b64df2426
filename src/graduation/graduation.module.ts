import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { MemoryModule } from '../memory/memory.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { EdgeCasesController } from './edge-cases.controller';
import { EdgeCasesService } from './edge-cases.service';
import { EpisodesController } from './episodes.controller';
import { EpisodesService } from './episodes.service';
import { ExamRecovery } from './exam-recovery';
import { ExamsService } from './exams.service';
import { GraduationController } from './graduation.controller';
import { GraduationService } from './graduation.service';

/** Graduation: episode history and feedback, edge cases, readiness, exams, promotion and its history. */
@Module({
  imports: [AgentsModule, MemoryModule, WebhooksModule],
  controllers: [EpisodesController, EdgeCasesController, GraduationController],
  providers: [EpisodesService, EdgeCasesService, GraduationService, ExamsService, ExamRecovery],
})
export class GraduationModule {}
