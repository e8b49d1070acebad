import { INestApplication, ValidationPipe } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import { DomainExceptionFilter } from '@app/runtime/http/domain-exception.filter';

/** Largest JSON body the API accepts; larger requests get 413 before any work is done. */
export const MAX_BODY = '256kb';

/**
 * Everything an HTTP app needs besides its module: body limit, validation,
 * the one exception filter, OpenAPI at /docs. Shared by main.ts and the e2e tests,
 * so the tests exercise exactly what runs.
 */
export function configureApp(app: INestApplication): INestApplication {
  app.use(json({ limit: MAX_BODY }));
  // Revisions and positions are bigints in the engine; JSON has no bigint.
  app.getHttpAdapter().getInstance().set('json replacer', bigintAsNumber);
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  app.useGlobalFilters(new DomainExceptionFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Prevention workflow engine')
      .setDescription('Cases of the epidemic-prevention plan, as event-sourced workflows')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}

/** A bigint within the safe range becomes a number, a larger one a string (global positions can grow large). */
function bigintAsNumber(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}
