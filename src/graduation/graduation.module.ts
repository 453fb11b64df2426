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
import { PatternSandbox } from './pattern-sandbox';

/** Graduation: episode history and feedback, edge cases, readiness, exams, promotion and its history. */
@Module({
  imports: [AgentsModule, MemoryModule, WebhooksModule],
  controllers: [EpisodesController, EdgeCasesController, GraduationController],
  providers: [
    EpisodesService,
    EdgeCasesService,
    GraduationService,
    ExamsService,
    ExamRecovery,
    // The default deadlines; tests build their own with shorter ones.
    { provide: PatternSandbox, useFactory: () => new PatternSandbox() },
  ],
})
export class GraduationModule {}
