import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { requestInfo } from '../../common/http/request-info';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { CredentialsDto } from '../../users/dto/credentials.dto';
import { UserResponse } from '../../users/dto/user.response';
import { UsersService } from '../../users/users.service';
import { AuthorizationGuard } from '../authorization/authorization.guard';
import { CurrentPrincipal } from '../authorization/current-principal.decorator';
import { Credentials, Public } from '../authorization/policy.decorators';
import type { UserPrincipal } from '../authorization/principal';
import { UnauthenticatedProblem } from '../authorization/unauthenticated.problem';
import { RateLimitedFlow } from '../throttling/rate-limit-flow.decorator';
import { AuditNote, AuditNoteParam, Audited } from '../audit/audited.decorator';
import { refuseKeepingChanges } from '../audit/keep-changes';
import { emailFingerprint } from '../audit/fingerprint';
import { AllowUnverified } from '../accounts/allow-unverified.decorator';
import { AuthService } from './auth.service';
import { ChangePasswordDto } from './dto/change-password.dto';
import { RefreshDto } from './dto/refresh.dto';
import {
  EXAMPLE_CREDENTIALS,
  EXAMPLE_PASSWORD_CHANGE,
  EXAMPLE_REFRESH,
} from './dto/request-examples';
import { MfaChallengeResponse } from './dto/mfa-challenge.response';
import { TokenPairResponse } from './dto/token-pair.response';
import { TokenService } from './token.service';

@ApiTags('auth')
@ApiProblems(500)
@UseGuards(AuthorizationGuard) // see AuthEndpointsModule: refused, not opened, without our guards
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
  @Audited('auth.registered', 'auth.register.failed', 'user')
  @ApiOperation({ summary: 'Create a viewer account (when REGISTRATION_ENABLED)' })
  @ApiBody({ type: CredentialsDto, examples: { demo: { value: EXAMPLE_CREDENTIALS } } })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiProblems(400, 403, 409, 413, 415)
  async register(@Body() dto: CredentialsDto): Promise<UserResponse> {
    return UserResponse.from(await this.auth.register(dto.email, dto.password));
  }

  @Post('login')
  @Public()
  @RateLimitedFlow('login')
  @Audited('auth.login.succeeded', 'auth.login.failed', 'user')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for an access and a refresh token' })
  @ApiBody({ type: CredentialsDto, examples: { demo: { value: EXAMPLE_CREDENTIALS } } })
  @ApiExtraModels(TokenPairResponse, MfaChallengeResponse)
  @ApiOkResponse({
    description: 'A token pair, or (MFA on) an mfaToken for POST /v1/auth/login/mfa',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(TokenPairResponse) },
        { $ref: getSchemaPath(MfaChallengeResponse) },
      ],
    },
  })
  @ApiProblems(400, 401, 413, 415, 429)
  async login(
    @Body() dto: CredentialsDto,
    @Req() request: object,
    @AuditNoteParam() note: AuditNote,
  ): Promise<TokenPairResponse | MfaChallengeResponse> {
    // Which account was tried, without storing the address itself.
    note.details = { emailSha256: emailFingerprint(dto.email) };
    const { clientIp, userAgent } = requestInfo(request);
    const outcome = await this.auth.login(dto.email, dto.password, { clientIp, userAgent });
    note.actor = { type: 'user', id: outcome.user.id, role: outcome.user.role, method: 'password' };
    note.resourceId = outcome.user.id;
    if ('mfa' in outcome) {
      note.action = 'auth.login.mfa_challenged'; // the password was right; no session yet
      return outcome.mfa;
    }
    return outcome.pair;
  }

  @Post('refresh')
  @Public()
  @Audited('auth.refresh.succeeded', 'auth.refresh.failed', 'session')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate a refresh token: a new pair; reusing an old one ends the session',
  })
  @ApiBody({ type: RefreshDto, examples: { demo: { value: EXAMPLE_REFRESH } } })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiProblems(400, 401, 413, 415)
  async refresh(
    @Body() dto: RefreshDto,
    @AuditNoteParam() note: AuditNote,
  ): Promise<TokenPairResponse> {
    const outcome = await this.tokens.refresh(dto.refreshToken);
    note.resourceId = outcome.sessionId;
    if (outcome.userId)
      note.actor = { type: 'user', id: outcome.userId, role: null, method: 'refresh-token' };
    if (outcome.ok) return outcome.pair;
    if (!outcome.reused) throw new UnauthenticatedProblem();
    // Reuse of a rotated token: the family is revoked, and that revocation must stand.
    note.action = 'auth.refresh.reused';
    throw refuseKeepingChanges(new UnauthenticatedProblem());
  }

  @Post('logout')
  @Credentials('user')
  @AllowUnverified()
  @Audited('auth.logout', 'auth.logout.failed', 'session')
  @HttpCode(204)
  @ApiOperation({ summary: 'End this session: its refresh tokens and access tokens stop working' })
  @ApiNoContentResponse({ description: 'Logged out' })
  async logout(
    @CurrentPrincipal() principal: UserPrincipal,
    @AuditNoteParam() note: AuditNote,
  ): Promise<void> {
    note.resourceId = principal.sessionId;
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
  @AllowUnverified()
  @Audited('auth.password.changed', 'auth.password.change.failed', 'user')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change the password; every session of the user ends' })
  @ApiBody({ type: ChangePasswordDto, examples: { demo: { value: EXAMPLE_PASSWORD_CHANGE } } })
  @ApiNoContentResponse({ description: 'Changed; log in again' })
  @ApiProblems(400, 413, 415)
  async changePassword(
    @CurrentPrincipal() principal: UserPrincipal,
    @Body() dto: ChangePasswordDto,
    @AuditNoteParam() note: AuditNote,
  ): Promise<void> {
    note.resourceId = principal.userId;
    await this.auth.changePassword(principal.userId, dto.currentPassword, dto.newPassword);
  }
}
