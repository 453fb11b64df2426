import { Module } from '@nestjs/common';
import { FeedbackService } from './feedback.service';
import { MemoryService } from './memory.service';
import { WebhooksModule } from '../webhooks/webhooks.module';

@Module({ imports: [WebhooksModule], providers: [MemoryService, FeedbackService], exports: [MemoryService, FeedbackService] })
export class MemoryModule {}
