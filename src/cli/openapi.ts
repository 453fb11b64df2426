import { createApp } from '../app';
import { loadConfig } from '../config/config';
import { buildOpenApiDocument } from '../common/openapi/openapi';
import { CliOutput, CliResult, EXIT, runAsProcess } from './io';

/**
 * Prints the OpenAPI document (`npm run openapi:lint` lints it). The app is built on a throw-away
 * in-memory database with dummy secrets: the document depends on code only, never on data or env.
 */
export async function runOpenApiCli(options: { echo?: boolean } = {}): Promise<CliResult> {
  const out = new CliOutput(options.echo ?? false);
  try {
    const config = loadConfig({
      NODE_ENV: 'development',
      DATA_DIR: ':memory:',
      JWT_SECRET: 'openapi-document-dummy-secret-0123456789',
      PLATFORM_ADMIN_KEY: 'openapi-dummy-platform-key',
      LOG_LEVEL: 'error',
      MIGRATE_ON_START: 'false',
    });
    const app = await createApp(config, { logger: false });
    try {
      out.line(JSON.stringify(buildOpenApiDocument(app), null, 2));
    } finally {
      await app.close();
    }
    return out.result(EXIT.OK);
  } catch (error) {
    return out.result(out.fail(error));
  }
}

if (require.main === module) {
  runAsProcess(() => runOpenApiCli({ echo: true }));
}
