import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Ctx } from './context.decorator';
import { Endpoint } from './endpoint.decorator';
import { AuthService } from './auth.service';
import { LoginDto, MeDto, RefreshTokenDto, TokenPairDto, UserDto } from './dto/auth.dto';
import type { AuthContext, RequestContext } from './principal';

@ApiTags('Auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Endpoint({
    summary: 'Log in',
    description:
      'Tenant from the subdomain or X-Tenant-ID. Wrong password and unknown email answer the same 401 in the same time; ' +
      'after 5 consecutive failures an account waits 1 s, then 2 s, 4 s… (429 with Retry-After).',
    access: 'tenant-public',
    response: TokenPairDto,
    errors: ['UNAUTHORIZED', 'PAYLOAD_TOO_LARGE'],
  })
  login(@Ctx() ctx: RequestContext, @Body() dto: LoginDto): Promise<TokenPairDto> {
    return this.auth.login(ctx, dto.email, dto.password);
  }

  @Post('refresh')
  @Endpoint({
    summary: 'Exchange a refresh token for a new pair',
    description: 'The presented token stops working. Presenting an already-used token revokes every token of its session.',
    access: 'tenant-public',
    response: TokenPairDto,
    errors: ['UNAUTHORIZED'],
  })
  refresh(@Ctx() ctx: RequestContext, @Body() dto: RefreshTokenDto): Promise<TokenPairDto> {
    return this.auth.refresh(ctx, dto.refresh_token);
  }

  @Post('logout')
  @Endpoint({
    summary: 'Log out',
    description: 'Revokes the refresh token and every token rotated from the same login.',
    access: 'tenant-public',
    response: null,
  })
  async logout(@Ctx() ctx: RequestContext, @Body() dto: RefreshTokenDto): Promise<null> {
    await this.auth.logout(ctx, dto.refresh_token);
    return null;
  }

  @Get('me')
  @Endpoint({ summary: 'The caller: user or API key, role and tenant', response: MeDto })
  me(@Ctx() ctx: AuthContext): MeDto {
    const { principal, tenant } = ctx;
    return {
      type: principal.type,
      id: principal.id,
      role: principal.role,
      ...(principal.user ? { user: principal.user as UserDto } : {}),
      tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name, plan: tenant.plan },
    };
  }
}
