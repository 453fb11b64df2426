import { AppError } from '../common/http/error-codes';
import type { AgentEntity } from './agent.entity';

/**
 * Only an active agent acts: executes, chats, sits an exam, or has an approved action run. A paused
 * or archived one is 403 GOVERNANCE_VIOLATION, `doing` naming what it was asked (`execute`, `chat`…).
 */
export function assertAgentActive(agent: Pick<AgentEntity, 'status'>, doing: string): void {
  if (agent.status !== 'active') {
    throw new AppError('GOVERNANCE_VIOLATION', `The agent is ${agent.status}: it cannot ${doing}`, { agent_status: agent.status });
  }
}
