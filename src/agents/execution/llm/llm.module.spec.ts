import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { APP_CONFIG, loadConfig } from '../../../config/config';
import { AnthropicProvider } from './anthropic.provider';
import { createLlmProvider, LlmModule } from './llm.module';
import { LLM_PROVIDER, type LlmProvider } from './llm.types';
import { LocalLlmProvider } from './local.provider';
import { OpenAiProvider } from './openai.provider';

const base = { DATA_DIR: ':memory:' };

describe('createLlmProvider', () => {
  it('is the local engine by default', () => {
    const provider = createLlmProvider(loadConfig(base));
    expect(provider).toBeInstanceOf(LocalLlmProvider);
    expect(provider).toMatchObject({ name: 'local', defaultModel: 'local-echo' });
  });

  it('is the OpenAI-compatible provider for LLM_PROVIDER=openai, with LLM_MODEL as default model', () => {
    const provider = createLlmProvider(loadConfig({ ...base, LLM_PROVIDER: 'openai', LLM_BASE_URL: 'http://127.0.0.1:9/v1', LLM_MODEL: 'llama3.2' }));
    expect(provider).toBeInstanceOf(OpenAiProvider);
    expect(provider).toMatchObject({ name: 'openai', defaultModel: 'llama3.2' });
  });

  it('is the Anthropic provider for LLM_PROVIDER=anthropic', () => {
    const provider = createLlmProvider(loadConfig({ ...base, LLM_PROVIDER: 'anthropic', LLM_API_KEY: 'sk-ant-test' }));
    expect(provider).toBeInstanceOf(AnthropicProvider);
    expect(provider).toMatchObject({ name: 'anthropic', defaultModel: 'claude-3-5-haiku-latest' });
  });
});

describe('LlmModule', () => {
  it('provides LLM_PROVIDER from APP_CONFIG', async () => {
    const config = loadConfig({ ...base, LLM_MODEL: 'demo' });
    // In the app APP_CONFIG comes from the global ConfigModule; a global module of the test stands in.
    @Global()
    @Module({ providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] })
    class TestConfigModule {}
    const moduleRef = await Test.createTestingModule({ imports: [TestConfigModule, LlmModule] }).compile();
    const provider = moduleRef.get<LlmProvider>(LLM_PROVIDER);
    expect(provider).toBeInstanceOf(LocalLlmProvider);
    expect(provider.defaultModel).toBe('demo');
    await moduleRef.close();
  });
});
