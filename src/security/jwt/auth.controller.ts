import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { CredentialsDto } from '../../users/dto/credentials.dto';
import { UserResponse } from '../../users/dto/user.response';
import { UsersService } from '../../users/users.service';
import { CurrentPrincipal } from '../authorization/current-principal.decorator';
import { Credentials, Public } from '../authorization/policy.decorators';
import type { UserPrincipal } from '../authorization/principal';
import { UnauthenticatedProblem } from '../authorization/unauthenticated.problem';
import { RateLimitedFlow } from '../throttling/rate-limit-flow.decorator';
import { AuthService } from './auth.service';
import { ChangePasswordDto } from './dto/change-password.dto';
import { RefreshDto } from './dto/refresh.dto';
import { TokenPairResponse } from './dto/token-pair.response';
import { TokenService } from './token.service';

@ApiTags('auth')
@ApiProblems(500)
@Controller('v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: TokenService,
    private readonly users: UsersService,
  ) {}

  @Post('register')
  @Public()
  @RateLimitedFlow('register')
  @ApiOperation({ summary: 'Create a viewer account (when REGISTRATION_ENABLED)' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiProblems(400, 403, 409, 413, 415)
  async register(@Body() dto: CredentialsDto): Promise<UserResponse> {
    return UserResponse.from(await this.auth.register(dto.email, dto.password));
  }

  @Post('login')
  @Public()
  @RateLimitedFlow('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for an access and a refresh token' })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiProblems(400, 401, 413, 415, 429)
  async login(@Body() dto: CredentialsDto): Promise<TokenPairResponse> {
    return (await this.auth.login(dto.email, dto.password)).pair;
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a refresh token: a new pair; reusing an old one ends the session' })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiProblems(400, 401, 413, 415)
  async refresh(@Body() dto: RefreshDto): Promise<TokenPairResponse> {
    const outcome = await this.tokens.refresh(dto.refreshToken);
    if (!outcome.ok) throw new UnauthenticatedProblem();
    return outcome.pair;
  }

  @Post('logout')
  @Credentials('user')
  @HttpCode(204)
  @ApiOperation({ summary: 'End this session: its refresh tokens and access tokens stop working' })
  @ApiNoContentResponse({ description: 'Logged out' })
  async logout(@CurrentPrincipal() principal: UserPrincipal): Promise<void> {
    await this.tokens.revokeSession(principal.sessionId, 'logout');
  }

  @Get('me')
  @Credentials('user')
  @ApiOperation({ summary: 'The logged-in user' })
  @ApiOkResponse({ type: UserResponse })
  async me(@CurrentPrincipal() principal: UserPrincipal): Promise<UserResponse> {
    return UserResponse.from(await this.users.get(principal.userId));
  }

  @Post('change-password')
  @Credentials('user')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change the password; every session of the user ends' })
  @ApiNoContentResponse({ description: 'Changed; log in again' })
  @ApiProblems(400, 413, 415)
  async changePassword(
    @CurrentPrincipal() principal: UserPrincipal,
    @Body() dto: ChangePasswordDto,
  ): Promise<void> {
    await this.auth.changePassword(principal.userId, dto.currentPassword, dto.newPassword);
  }
}
