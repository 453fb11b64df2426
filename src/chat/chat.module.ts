import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { MemoryModule } from '../memory/memory.module';
import { ChatController } from './chat.controller';
import { ChatRecovery } from './chat-recovery';
import { ChatService } from './chat.service';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { TurnRegistry } from './turn-registry';

/** Sessions, messages, chat turns and their SSE streams. Depends on agents (the engine) and memory (episodes). */
@Module({
  imports: [AgentsModule, MemoryModule],
  controllers: [SessionsController, ChatController],
  providers: [SessionsService, ChatService, TurnRegistry, ChatRecovery],
})
export class ChatModule {}
