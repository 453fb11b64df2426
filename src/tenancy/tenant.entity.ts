import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const PLANS = ['free', 'solo', 'team', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];
export const TENANT_STATUSES = ['active', 'suspended'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

@Entity({ name: 'tenants', schema: 'public' })
export class TenantEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  slug: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  plan: Plan;

  @Column({ type: 'text' })
  status: TenantStatus;

  @Column({ name: 'max_agents', type: 'integer', nullable: true })
  maxAgents: number | null;

  @Column({ name: 'requests_per_minute', type: 'integer', nullable: true })
  requestsPerMinute: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** A tenant as the rest of the code sees it: the entity plus its (derived, never user-supplied) schema name. */
export interface TenantRecord {
  id: string;
  slug: string;
  name: string;
  plan: Plan;
  status: TenantStatus;
  maxAgents: number | null;
  requestsPerMinute: number | null;
  createdAt: Date;
  updatedAt: Date;
  schema: string;
}
