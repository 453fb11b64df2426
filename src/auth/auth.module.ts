import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { TenancyModule } from '../tenancy/tenancy.module';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { AuthController } from './auth.controller';
import { AccessTokenVerifier } from './access-token-verifier';
import { AuthService } from './auth.service';
import { CredentialGuard, RolesGuard, TenantGuard } from './guards';
import { LoginThrottle } from './login-throttle';
import { ApiKeyStrategy, JwtStrategy } from './strategies';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [
    TenancyModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ secret: config.jwtSecret, signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  controllers: [AuthController, UsersController, ApiKeysController],
  providers: [
    AuthService, UsersService, ApiKeysService, LoginThrottle, AccessTokenVerifier, JwtStrategy, ApiKeyStrategy,
    TenantGuard, CredentialGuard, RolesGuard,
  ],
  exports: [TenantGuard, CredentialGuard, RolesGuard, UsersService],
})
export class AuthModule {}
