import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/config';
import { createValidationPipe } from '../common/http/validation';
import { CreateTenantDto, DeleteTenantQueryDto, TenantDto, TenantListQueryDto, UpdateTenantDto } from '../tenancy/dto/tenant.dto';
import { TenantsService } from '../tenancy/tenants.service';
import { StderrLogger } from './database';
import { CliError, CliOutput, CliResult, EXIT, runAsProcess } from './io';

type Env = Record<string, string | undefined>;

export const TENANT_USAGE = `Usage: npm run tenant -- <command> [options]

  create --slug <slug> --name <name> --plan <free|solo|team|enterprise>
         --admin-email <email> [--admin-password <password>]
         (the password may come from ATOM_ADMIN_PASSWORD instead: it then stays out of ps and shell history)
  list   [--page N] [--limit N] [--plan P] [--status active|suspended] [--q TEXT]
         [--sort created_at|updated_at|slug|name] [--order asc|desc]
  get    <slug>
  update <slug> [--name X] [--plan P] [--status active|suspended]
         [--max-agents N|null] [--requests-per-minute N|null]
  delete <slug> --confirm <slug>

Same operations and validation as the platform API (/api/tenants); output is JSON on stdout.
Exit codes: 0 done, 1 failed (not found, conflict, database), 2 invalid arguments, 78 bad configuration.`;

const text = { type: 'string' } as const;

/** The options each command accepts (anything else is refused, as the API refuses unknown fields). */
const OPTIONS = {
  create: { slug: text, name: text, plan: text, 'admin-email': text, 'admin-password': text },
  list: { page: text, limit: text, plan: text, status: text, q: text, sort: text, order: text },
  get: {},
  update: { name: text, plan: text, status: text, 'max-agents': text, 'requests-per-minute': text },
  delete: { confirm: text },
} as const;

type Command = keyof typeof OPTIONS;

function isCommand(value: string | undefined): value is Command {
  return value !== undefined && Object.prototype.hasOwnProperty.call(OPTIONS, value);
}

/** "null" clears an override; digits become a number; anything else is passed on for the DTO to refuse. */
function intOrNull(raw: string | undefined): number | null | string | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'null') return null;
  return /^-?\d+$/.test(raw) ? Number(raw) : raw;
}

function definedOnly(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/** The HTTP API's own validation pipe, so the CLI accepts and refuses exactly what the API does. */
async function validated<T>(metatype: new () => T, type: 'body' | 'query', value: Record<string, unknown>): Promise<T> {
  return (await createValidationPipe().transform(value, { type, metatype })) as T;
}

interface ParsedCommand {
  command: Command;
  /** Runs the validated operation against the service and returns what to print. */
  run: (tenants: TenantsService) => Promise<unknown>;
}

async function parse(argv: string[], env: Env): Promise<ParsedCommand | 'help'> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return 'help';
  if (!isCommand(command)) throw new CliError(`unknown command "${command}"\n\n${TENANT_USAGE}`);
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    // Every option is a string: one spec type for all commands keeps parseArgs' inference simple.
    const spec: Record<string, { type: 'string' }> = OPTIONS[command];
    parsed = parseArgs({ args: rest, options: spec, strict: true, allowPositionals: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${TENANT_USAGE}`);
  }
  const values = parsed.values as Record<string, string | undefined>;
  const positionals = parsed.positionals;

  const takesSlug = command === 'get' || command === 'update' || command === 'delete';
  if (takesSlug && positionals.length !== 1) throw new CliError(`${command} takes exactly one tenant slug\n\n${TENANT_USAGE}`);
  if (!takesSlug && positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"\n\n${TENANT_USAGE}`);
  const slug = positionals[0];

  switch (command) {
    case 'create': {
      const dto = await validated(CreateTenantDto, 'body', {
        slug: values.slug,
        name: values.name,
        plan: values.plan,
        admin_email: values['admin-email'],
        admin_password: values['admin-password'] ?? (env.ATOM_ADMIN_PASSWORD || undefined),
      });
      return { command, run: async (tenants) => TenantDto.from(await tenants.create(dto)) };
    }
    case 'list': {
      const query = await validated(TenantListQueryDto, 'query', definedOnly(values));
      return {
        command,
        run: async (tenants) => {
          const page = await tenants.list(query);
          return { data: page.items.map(TenantDto.from), pagination: page.pagination };
        },
      };
    }
    case 'get':
      return { command, run: async (tenants) => TenantDto.from(await tenants.getBySlug(slug)) };
    case 'update': {
      const dto = await validated(
        UpdateTenantDto,
        'body',
        definedOnly({
          name: values.name,
          plan: values.plan,
          status: values.status,
          max_agents: intOrNull(values['max-agents']),
          requests_per_minute: intOrNull(values['requests-per-minute']),
        }),
      );
      return { command, run: async (tenants) => TenantDto.from(await tenants.update(slug, dto)) };
    }
    case 'delete': {
      const query = await validated(DeleteTenantQueryDto, 'query', { confirm: values.confirm });
      return {
        command,
        run: async (tenants) => {
          await tenants.remove(slug, query.confirm);
          return { deleted: slug };
        },
      };
    }
  }
}

/**
 * `npm run tenant -- …`: the platform API's tenant operations without HTTP. The arguments are
 * validated first (no database needed to refuse them); then the application context boots
 * (migrations included, as the server would run them) and TenantsService does the work, so
 * provisioning is the same all-or-nothing transaction with the same owner-creation step.
 */
export async function runTenantCli(argv: string[], env: Env = process.env, options: { echo?: boolean } = {}): Promise<CliResult> {
  const out = new CliOutput(options.echo ?? false);
  let ctx: INestApplicationContext | undefined;
  try {
    const parsed = await parse(argv, env);
    if (parsed === 'help') {
      out.line(TENANT_USAGE);
      return out.result(EXIT.OK);
    }
    const config = loadConfig(env);
    ctx = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
      logger: new StderrLogger((line) => out.errorLine(line)),
      abortOnError: false,
    });
    // Idempotent; onModuleInit hooks register provisioning steps (the owner user), so be explicit.
    await ctx.init();
    out.json(await parsed.run(ctx.get(TenantsService)));
    return out.result(EXIT.OK);
  } catch (error) {
    return out.result(out.fail(error));
  } finally {
    await ctx?.close().catch((error: Error) => out.errorLine(`error while closing: ${error.message}`));
  }
}

if (require.main === module) {
  runAsProcess(() => runTenantCli(process.argv.slice(2), process.env, { echo: true }));
}
