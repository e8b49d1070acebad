import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  HttpException,
  HttpStatus,
  Post,
  UnauthorizedException,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import { LoginDto } from './login.dto';
import { AccountLockedError, InvalidCredentialsError, LoginService } from './login.service';
import { LoginThrottleGuard } from './login-throttle.guard';
import { Public } from './public.decorator';
import type { IssuedToken } from './token.service';

@Controller('auth')
export class LoginHttpController {
  constructor(private readonly logins: LoginService) {}

  /** `{ username, password }` → `{ accessToken, expiresIn }` (seconds). */
  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @UseGuards(LoginThrottleGuard)
  async login(
    @Body(
      new ValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        // One message string, like every other error this API returns.
        exceptionFactory: (errors) =>
          new BadRequestException(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ')),
      }),
    )
    body: LoginDto,
  ): Promise<IssuedToken> {
    try {
      return await this.logins.login(body.username, body.password);
    } catch (err) {
      if (err instanceof InvalidCredentialsError) throw new UnauthorizedException(err.message);
      if (err instanceof AccountLockedError) {
        throw new HttpException(
          {
            statusCode: HttpStatus.LOCKED,
            error: 'Locked',
            message: err.message,
            lockedUntil: err.lockedUntil.toISOString(),
          },
          HttpStatus.LOCKED,
        );
      }
      throw err;
    }
  }
}
