import { Module } from '@nestjs/common';
import { EffectsHttpController } from './effects.http.controller';

/**
 * `GET /inbox`, `GET /incidents`, `POST /incidents/:id/retry`. Needs
 * `JobsModule`, `RuntimeModule` and `AuthModule` in the app (all global).
 */
@Module({ controllers: [EffectsHttpController] })
export class EffectsApiModule {}
