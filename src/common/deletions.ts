import { Global, Injectable, Module } from '@nestjs/common';

type AgentListener = (tenantId: string, agentId: string) => void;
type TenantListener = (tenantId: string) => void;

/**
 * In-process notices that an agent or a tenant was deleted (after the deleting transaction committed),
 * for modules that hold live work about it which the deleting module must not know of: a running chat
 * turn of a deleted agent is stopped at once rather than left to run to its end and fail to store.
 */
@Injectable()
export class Deletions {
  private readonly agentListeners: AgentListener[] = [];
  private readonly tenantListeners: TenantListener[] = [];

  onAgentDeleted(listener: AgentListener): void {
    this.agentListeners.push(listener);
  }

  onTenantDeleted(listener: TenantListener): void {
    this.tenantListeners.push(listener);
  }

  agentDeleted(tenantId: string, agentId: string): void {
    for (const listener of this.agentListeners) listener(tenantId, agentId);
  }

  tenantDeleted(tenantId: string): void {
    for (const listener of this.tenantListeners) listener(tenantId);
  }
}

@Global()
@Module({ providers: [Deletions], exports: [Deletions] })
export class DeletionsModule {}
