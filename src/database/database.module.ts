import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntitySchema } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RedisConnection } from './redis';
import { EmbeddedPostgres } from './embedded-postgres';
import { Migrator } from './migrator';
import { TenantDb } from './tenant-db';

const EMBEDDED = Symbol('EMBEDDED_POSTGRES');

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityTarget = Function | EntitySchema;

async function createDataSource(config: AppConfig, url: string, entities: EntityTarget[]): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities,
    synchronize: false,
    migrationsRun: false,
    // Ids default to gen_random_uuid(); uuid-ossp would need superuser rights and does not exist in PGlite.
    installExtensions: false,
    poolSize: config.dbPoolSize,
    applicationName: 'atom',
    extra: { max: config.dbPoolSize, idleTimeoutMillis: 30000, connectionTimeoutMillis: 10000 },
  });
  return dataSource.initialize();
}

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED) private readonly embedded: EmbeddedPostgres | null,
  ) {}

  static forRoot(entities: EntityTarget[]): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: EMBEDDED,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) => {
            if (config.databaseUrl) return null;
            const logger = new Logger('Database');
            const inMemory = config.dataDir === ':memory:';
            const embedded = await EmbeddedPostgres.start({
              dataDir: inMemory ? undefined : config.dataDir,
              maxConnections: config.dbPoolSize + 5,
            });
            logger.log(`No DATABASE_URL: using embedded PostgreSQL (PGlite) ${inMemory ? 'in memory' : `in ${config.dataDir}`}`);
            return embedded;
          },
        },
        {
          provide: DataSource,
          inject: [APP_CONFIG, EMBEDDED],
          useFactory: async (config: AppConfig, embedded: EmbeddedPostgres | null) => {
            const dataSource = await createDataSource(config, config.databaseUrl ?? embedded!.url, entities);
            if (config.migrateOnStart) {
              const migrator = new Migrator(dataSource);
              const applied = await migrator.migratePublic();
              const reports = await migrator.migrateAllTenants();
              const logger = new Logger('Migrations');
              if (applied.length) logger.log(`public: applied ${applied.join(', ')}`);
              for (const report of reports) {
                if (report.error) logger.error(`${report.schema}: ${report.error}`);
                else if (report.applied.length) logger.log(`${report.schema}: applied ${report.applied.join(', ')}`);
              }
            }
            return dataSource;
          },
        },
        { provide: Migrator, inject: [DataSource], useFactory: (dataSource: DataSource) => new Migrator(dataSource) },
        TenantDb,
        RedisConnection,
      ],
      exports: [DataSource, TenantDb, Migrator, RedisConnection],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    if (this.embedded) await this.embedded.stop();
    this.logger.log('Database connections closed');
  }
}
