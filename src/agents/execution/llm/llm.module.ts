import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../config/config';
import { AnthropicProvider } from './anthropic.provider';
import { LLM_PROVIDER, type LlmProvider } from './llm.types';
import { LocalLlmProvider } from './local.provider';
import { OpenAiProvider } from './openai.provider';

/** The provider LLM_PROVIDER names, set up from the rest of the LLM_* configuration. */
export function createLlmProvider(
  config: Pick<AppConfig, 'llmProvider' | 'llmBaseUrl' | 'llmApiKey' | 'llmModel' | 'llmTimeoutMs'>,
): LlmProvider {
  const options = { apiKey: config.llmApiKey, baseUrl: config.llmBaseUrl, model: config.llmModel, timeoutMs: config.llmTimeoutMs };
  switch (config.llmProvider) {
    case 'openai':
      return new OpenAiProvider(options);
    case 'anthropic':
      return new AnthropicProvider(options);
    case 'local':
      return new LocalLlmProvider(config.llmModel);
    default:
      throw new Error(`Unknown LLM provider "${String(config.llmProvider)}"`);
  }
}

@Module({
  providers: [{ provide: LLM_PROVIDER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createLlmProvider(config) }],
  exports: [LLM_PROVIDER],
})
export class LlmModule {}
