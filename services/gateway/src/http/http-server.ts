import { type INestApplicationContext, Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { BatonConfig } from '@baton/config';
import { ProblemDetailsFilter } from './problem-details.filter';
import { RequestTracingInterceptor } from './request-tracing.interceptor';
import { listenHost } from './listen-host';
import { requestValidationPipe } from './validation.pipe';

export const YAML_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** Body limits, error format, validation, tracing and OpenAPI for the admin API, then listen. */
export async function listenHttp(context: INestApplicationContext, config: BatonConfig): Promise<void> {
  const app = context as NestExpressApplication;
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: config.BATON_MAX_BODY_BYTES, type: ['application/json', 'application/*+json'] });
  app.useBodyParser('text', { limit: config.BATON_MAX_BODY_BYTES, type: YAML_MEDIA_TYPES });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(requestValidationPipe);
  app.useGlobalInterceptors(new RequestTracingInterceptor());
  const openApi = new DocumentBuilder()
    .setTitle('Baton admin API')
    .setDescription('Register workflow definitions, start and inspect runs, publish trigger events. Errors are RFC 9457 problem+json.')
    .setVersion('1')
    // With BATON_API_KEYS set, every /v1 call needs `Authorization: Bearer <key>` (docs/api.md).
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key from BATON_API_KEYS' }, 'apiKey')
    .addSecurityRequirements('apiKey')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi), { jsonDocumentUrl: 'docs/openapi.json' });
  const host = listenHost(config, 'admin API');
  await app.listen(config.BATON_HTTP_PORT, host);
  new Logger('HttpServer').log(`admin API listening on http://${host}:${config.BATON_HTTP_PORT} (OpenAPI at /docs)`);
}
