import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRecord } from './tenant.entity';

export interface ProvisioningInput {
  adminEmail: string;
  adminPassword: string;
}

/** Work another module does inside a new tenant's provisioning transaction (search_path already set). */
export type ProvisioningStep = (em: EntityManager, tenant: TenantRecord, input: ProvisioningInput) => Promise<void>;

/**
 * Lets modules that depend on tenancy (auth creates the owner) take part in provisioning without
 * tenancy depending on them.
 */
@Injectable()
export class ProvisioningSteps {
  private readonly steps: ProvisioningStep[] = [];

  register(step: ProvisioningStep): void {
    this.steps.push(step);
  }

  async run(em: EntityManager, tenant: TenantRecord, input: ProvisioningInput): Promise<void> {
    if (this.steps.length === 0) throw new Error('No provisioning step registered: a tenant would have no owner');
    for (const step of this.steps) await step(em, tenant, input);
  }
}
