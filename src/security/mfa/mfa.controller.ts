import { Body, Controller, Delete, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { requestInfo } from '../../common/http/request-info';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { AuditNote, AuditNoteParam, Audited } from '../audit/audited.decorator';
import { AuthorizationGuard } from '../authorization/authorization.guard';
import { CurrentPrincipal } from '../authorization/current-principal.decorator';
import { Credentials, Public } from '../authorization/policy.decorators';
import type { UserPrincipal } from '../authorization/principal';
import { TokenPairResponse } from '../jwt/dto/token-pair.response';
import { RateLimitedFlow } from '../throttling/rate-limit-flow.decorator';
import { LoginMfaDto } from './dto/login-mfa.dto';
import { MfaProofDto } from './dto/mfa-proof.dto';
import { RecoveryCodesResponse, StepUpResponse, TotpEnrolmentResponse } from './dto/mfa.responses';
import { EXAMPLE_CODE, EXAMPLE_ENROLMENT, EXAMPLE_LOGIN_MFA } from './dto/request-examples';
import { StartEnrolmentDto } from './dto/start-enrolment.dto';
import { TotpCodeDto } from './dto/totp-code.dto';
import { MfaService } from './mfa.service';

/** TOTP enrolment, step-up, and the second half of a login. */
@ApiTags('auth')
@ApiProblems(500)
@UseGuards(AuthorizationGuard) // refused, not opened, in a host without the global guards
@Controller('v1/auth')
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Post('mfa/totp')
  @Credentials('user')
  @Audited('auth.mfa.enrolment_started', 'auth.mfa.enrolment_start.failed', 'user')
  @ApiOperation({ summary: 'Start TOTP enrolment: a secret and its otpauth:// URL, shown once' })
  @ApiBody({ type: StartEnrolmentDto, examples: { demo: { value: EXAMPLE_ENROLMENT } } })
  @ApiCreatedResponse({ type: TotpEnrolmentResponse })
  @ApiProblems(400, 409, 413, 415, 429)
  async startEnrolment(
    @CurrentPrincipal() principal: UserPrincipal,
    @Body() dto: StartEnrolmentDto,
    @AuditNoteParam() note: AuditNote,
  ): Promise<TotpEnrolmentResponse> {
    note.resourceId = principal.userId;
    return this.mfa.startEnrolment(principal.userId, dto.password);
  }

  @Post('mfa/totp/confirm')
  @Credentials('user')
  @Audited('auth.mfa.enabled', 'auth.mfa.enable.failed', 'user')
  @HttpCode(200)
  @ApiOperation({ summary: 'Turn TOTP on with a first code; returns ten recovery codes, once' })
  @ApiBody({ type: TotpCodeDto, examples: { demo: { value: EXAMPLE_CODE } } })
  @ApiOkResponse({ type: RecoveryCodesResponse })
  @ApiProblems(400, 409, 413, 415, 429)
  async confirm(
    @CurrentPrincipal() principal: UserPrincipal,
    @Body() dto: TotpCodeDto,
    @AuditNoteParam() note: AuditNote,
  ): Promise<RecoveryCodesResponse> {
    note.resourceId = principal.userId;
    const codes = await this.mfa.confirmEnrolment(principal.userId, principal.sessionId, dto.code);
    return { recoveryCodes: codes };
  }

  @Delete('mfa/totp')
  @Credentials('user')
  @Audited('auth.mfa.disabled', 'auth.mfa.disable.failed', 'user')
  @HttpCode(204)
  @ApiOperation({ summary: 'Turn TOTP off, with a code or a recovery code' })
  @ApiBody({ type: MfaProofDto, examples: { demo: { value: EXAMPLE_CODE } } })
  @ApiNoContentResponse({ description: 'MFA is off; recovery codes are void' })
  @ApiProblems(400, 409, 413, 415, 429)
  async disable(
    @CurrentPrincipal() principal: UserPrincipal,
    @Body() dto: MfaProofDto,
    @AuditNoteParam() note: AuditNote,
  ): Promise<void> {
    note.resourceId = principal.userId;
    await this.mfa.disable(principal.userId, dto);
  }

  @Post('mfa/step-up')
  @Credentials('user')
  @Audited('auth.mfa.stepped_up', 'auth.mfa.step_up.failed', 'session')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Prove the second factor again: @RequiresMfa routes accept this session for a while',
  })
  @ApiBody({ type: MfaProofDto, examples: { demo: { value: EXAMPLE_CODE } } })
  @ApiOkResponse({ type: StepUpResponse })
  @ApiProblems(400, 409, 413, 415, 429)
  async stepUp(
    @CurrentPrincipal() principal: UserPrincipal,
    @Body() dto: MfaProofDto,
    @AuditNoteParam() note: AuditNote,
  ): Promise<StepUpResponse> {
    note.resourceId = principal.sessionId;
    note.details = { method: dto.code !== undefined ? 'totp' : 'recovery-code' };
    const mfaAt = await this.mfa.stepUp(principal.userId, principal.sessionId, dto);
    return { mfaAt: mfaAt.toISOString() };
  }

  @Post('login/mfa')
  @Public()
  @RateLimitedFlow('login')
  @Audited('auth.login.succeeded', 'auth.login.failed', 'user')
  @HttpCode(200)
  @ApiOperation({ summary: 'Finish a login that answered mfaRequired: the mfaToken and a code' })
  @ApiBody({ type: LoginMfaDto, examples: { demo: { value: EXAMPLE_LOGIN_MFA } } })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiProblems(400, 401, 413, 415, 429)
  async loginMfa(
    @Body() dto: LoginMfaDto,
    @Req() request: object,
    @AuditNoteParam() note: AuditNote,
  ): Promise<TokenPairResponse> {
    const method = dto.code !== undefined ? 'totp' : 'recovery-code';
    note.details = { mfa: method };
    const { clientIp, userAgent } = requestInfo(request);
    const { user, pair } = await this.mfa.completeLogin(
      dto.mfaToken,
      { code: dto.code, recoveryCode: dto.recoveryCode },
      { clientIp, userAgent },
    );
    note.actor = { type: 'user', id: user.id, role: user.role, method: 'password+mfa' };
    note.resourceId = user.id;
    return pair;
  }
}
