import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppError } from '../common/http/error-codes';
import { Paginated } from '../common/http/envelope';
import { hashPassword } from '../common/crypto';
import { likePattern, pageWindow, paginate } from '../common/pagination/paginate';
import { TenantDb, type TenantScope } from '../database/tenant-db';
import { ProvisioningSteps } from '../tenancy/provisioning';
import type { CreateUserDto, UpdateUserDto, UserDto, UserListQueryDto } from './dto/auth.dto';
import { canonicalEmail } from './email';
import { UserEntity } from './entities';
import { revokeUserSessions } from './session-locks';
import { AuthContext, Role, roleAtLeast } from './principal';
import { isUniqueViolation } from '../database/pg-errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type UserRow = Pick<UserDto, 'id' | 'email' | 'name' | 'role' | 'created_at' | 'updated_at'>;

@Injectable()
export class UsersService implements OnModuleInit {
  constructor(
    private readonly db: TenantDb,
    private readonly provisioning: ProvisioningSteps,
  ) {}

  // A new tenant's first user is its owner, created inside the provisioning transaction.
  onModuleInit(): void {
    this.provisioning.register(async (em, _tenant, input) => {
      await this.insert(em, { email: input.adminEmail, password: input.adminPassword, role: 'owner', name: undefined });
    });
  }

  async list(ctx: AuthContext, query: UserListQueryDto): Promise<Paginated<UserEntity>> {
    return this.db.run(ctx.tenant, async (em) => {
      const qb = em.getRepository(UserEntity).createQueryBuilder('u');
      if (query.role) qb.andWhere('u.role = :role', { role: query.role });
      if (query.q) qb.andWhere('(u.email ILIKE :q OR u.name ILIKE :q)', { q: likePattern(query.q) });
      const column = { created_at: 'u.createdAt', updated_at: 'u.updatedAt', email: 'u.email', name: 'u.name' }[query.sort];
      const { skip, take } = pageWindow(query);
      const [rows, total] = await qb
        .orderBy(column, query.order === 'asc' ? 'ASC' : 'DESC')
        .addOrderBy('u.id', 'ASC')
        .skip(skip)
        .take(take)
        .getManyAndCount();
      return paginate(rows, total, query);
    });
  }

  /**
   * The user behind an access token, read on every authenticated request (one statement, see
   * TenantDb.select) so that a deleted user or a changed role applies at once; and so does a new
   * password: a token issued (`issuedAt`, JWT seconds) before it is refused, as its refresh tokens are.
   */
  async findForAuthentication(tenant: TenantScope, id: string, issuedAt: number): Promise<UserDto | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db.select<UserRow>(
      tenant,
      (schema) =>
        `SELECT id, email, name, role, created_at, updated_at FROM ${schema}.users
          WHERE id = $1 AND (credentials_changed_at IS NULL OR credentials_changed_at < to_timestamp($2::bigint + 1))`,
      [id, issuedAt],
    );
    return row ? { ...row } : null;
  }

  async get(ctx: AuthContext, id: string): Promise<UserEntity> {
    return this.db.run(ctx.tenant, (em) => this.findOrFail(em, id));
  }

  async create(ctx: AuthContext, dto: CreateUserDto): Promise<UserEntity> {
    this.assertMayGrant(ctx, dto.role);
    return this.db.run(ctx.tenant, (em) => this.insert(em, dto));
  }

  async update(ctx: AuthContext, id: string, dto: UpdateUserDto): Promise<UserEntity> {
    if (dto.role) this.assertMayGrant(ctx, dto.role);
    return this.db.run(ctx.tenant, async (em) => {
      const user = await this.findOrFail(em, id);
      this.assertMayManage(ctx, user);
      if (dto.role && user.role === 'owner' && dto.role !== 'owner') await this.assertNotLastOwner(em, user.id);
      const changes: Partial<UserEntity> = {};
      if (dto.email !== undefined) changes.email = canonicalEmail(dto.email);
      if (dto.name !== undefined) changes.name = dto.name;
      if (dto.role !== undefined) changes.role = dto.role;
      if (dto.password !== undefined) {
        changes.passwordHash = await hashPassword(dto.password);
        changes.credentialsChangedAt = new Date();
        // A new password ends every login of the user: a reset must lock out whoever had the old one.
        await revokeUserSessions(em, id);
      }
      try {
        await em.getRepository(UserEntity).update({ id }, { ...changes, updatedAt: new Date() });
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'A user with this email already exists');
        throw error;
      }
      return this.findOrFail(em, id);
    });
  }

  async remove(ctx: AuthContext, id: string): Promise<void> {
    await this.db.run(ctx.tenant, async (em) => {
      const user = await this.findOrFail(em, id);
      this.assertMayManage(ctx, user);
      if (user.role === 'owner') await this.assertNotLastOwner(em, user.id);
      await em.getRepository(UserEntity).delete({ id });
    });
  }

  private async insert(em: EntityManager, dto: Pick<CreateUserDto, 'email' | 'password' | 'role' | 'name'>): Promise<UserEntity> {
    const repo = em.getRepository(UserEntity);
    try {
      const passwordHash = await hashPassword(dto.password);
      const saved = await repo.save(repo.create({ email: canonicalEmail(dto.email), name: dto.name ?? null, role: dto.role, passwordHash }));
      return this.findOrFail(em, saved.id);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'A user with this email already exists');
      throw error;
    }
  }

  private async findOrFail(em: EntityManager, id: string): Promise<UserEntity> {
    const user = await em.getRepository(UserEntity).findOne({ where: { id } });
    if (!user) throw new AppError('NOT_FOUND', `User '${id}' not found`);
    return user;
  }

  /** Nobody grants a role above their own (an admin cannot make owners). */
  private assertMayGrant(ctx: AuthContext, role: Role): void {
    if (!roleAtLeast(ctx.principal.role, role)) {
      throw new AppError('FORBIDDEN', `A ${ctx.principal.role} cannot grant the ${role} role`);
    }
  }

  /** Only owners manage owners. */
  private assertMayManage(ctx: AuthContext, user: UserEntity): void {
    if (user.role === 'owner' && ctx.principal.role !== 'owner') {
      throw new AppError('FORBIDDEN', 'Only an owner can change or remove an owner');
    }
  }

  /**
   * Locks every owner row (always all of them, in one statement, so two concurrent demotions queue
   * instead of deadlocking) and refuses when `userId` is the only one left.
   */
  private async assertNotLastOwner(em: EntityManager, userId: string): Promise<void> {
    const owners: { id: string }[] = await em.query(`SELECT id FROM users WHERE role = 'owner' ORDER BY id FOR UPDATE`);
    if (owners.some((o) => o.id === userId) && owners.length === 1) {
      throw new AppError('CONFLICT', 'The last owner cannot be removed or demoted');
    }
  }
}
