import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { requestInfo } from '../../common/http/request-info';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { UserResponse } from '../../users/dto/user.response';
import { AuthorizationGuard } from '../authorization/authorization.guard';
import { CurrentPrincipal } from '../authorization/current-principal.decorator';
import { Credentials, Public } from '../authorization/policy.decorators';
import type { UserPrincipal } from '../authorization/principal';
import { AuditNote, AuditNoteParam, Audited } from '../audit/audited.decorator';
import { emailFingerprint } from '../audit/fingerprint';
import { AllowUnverified } from './allow-unverified.decorator';
import { ACCEPTED_MESSAGE, AcceptedResponse } from './dto/accepted.response';
import {
  AccountEmailDto,
  ChangeEmailDto,
  PasswordResetConfirmDto,
  VerifyEmailDto,
} from './dto/account-requests.dto';
import {
  EXAMPLE_EMAIL,
  EXAMPLE_EMAIL_CHANGE,
  EXAMPLE_RESET_CONFIRM,
  EXAMPLE_VERIFY,
} from './dto/request-examples';
import { EmailVerificationService } from './email-verification.service';
import { PasswordResetService } from './password-reset.service';

/**
 * E-mail verification, address change and password reset. The mailing routes answer 202 with
 * one body whatever the address; the token routes answer one 400 for every token that does not
 * work. Audit records name the address only by its fingerprint, never a token.
 */
@ApiTags('auth')
@ApiProblems(500)
@UseGuards(AuthorizationGuard) // refused, not opened, in a host without our global guards
@Controller('v1/auth')
export class AccountsController {
  constructor(
    private readonly verification: EmailVerificationService,
    private readonly reset: PasswordResetService,
  ) {}

  @Post('verify-email')
  @Public()
  @Audited('auth.email.verified', 'auth.email.verify.failed', 'user')
  @HttpCode(204)
  @ApiOperation({ summary: 'Verify an e-mail address with the token from the mailed link' })
  @ApiBody({ type: VerifyEmailDto, examples: { demo: { value: EXAMPLE_VERIFY } } })
  @ApiNoContentResponse({ description: 'Verified' })
  @ApiProblems(400, 413, 415)
  async verifyEmail(@Body() dto: VerifyEmailDto, @AuditNoteParam() note: AuditNote): Promise<void> {
    note.resourceId = await this.verification.verify(dto.token);
  }

  @Post('verify-email/resend')
  @Public()
  @Audited('auth.email.verification.requested', 'auth.email.verification.request.failed')
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail a new verification link (the same answer for every address)' })
  @ApiBody({ type: AccountEmailDto, examples: { demo: { value: EXAMPLE_EMAIL } } })
  @ApiAcceptedResponse({ type: AcceptedResponse })
  @ApiProblems(400, 413, 415, 429)
  async resend(
    @Body() dto: AccountEmailDto,
    @Req() req: object,
    @AuditNoteParam() note: AuditNote,
  ): Promise<AcceptedResponse> {
    note.details = { emailSha256: emailFingerprint(dto.email) };
    await this.verification.resend(dto.email, requestInfo(req).clientIp);
    return { message: ACCEPTED_MESSAGE };
  }

  @Post('email')
  @Credentials('user')
  @AllowUnverified()
  @Audited('auth.email.changed', 'auth.email.change.failed', 'user')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Change the e-mail address: it must be verified again; the old one is told',
  })
  @ApiBody({ type: ChangeEmailDto, examples: { demo: { value: EXAMPLE_EMAIL_CHANGE } } })
  @ApiOkResponse({ type: UserResponse })
  @ApiProblems(400, 409, 413, 415, 429)
  async changeEmail(
    @CurrentPrincipal() principal: UserPrincipal,
    @Body() dto: ChangeEmailDto,
    @AuditNoteParam() note: AuditNote,
  ): Promise<UserResponse> {
    note.resourceId = principal.userId;
    note.details = { newEmailSha256: emailFingerprint(dto.email) };
    const user = await this.verification.changeEmail(principal.userId, dto.password, dto.email);
    return UserResponse.from(user);
  }

  @Post('password-reset/request')
  @Public()
  @Audited('auth.password.reset.requested', 'auth.password.reset.request.failed')
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail a password-reset link (the same answer for every address)' })
  @ApiBody({ type: AccountEmailDto, examples: { demo: { value: EXAMPLE_EMAIL } } })
  @ApiAcceptedResponse({ type: AcceptedResponse })
  @ApiProblems(400, 403, 413, 415, 429)
  async requestReset(
    @Body() dto: AccountEmailDto,
    @Req() req: object,
    @AuditNoteParam() note: AuditNote,
  ): Promise<AcceptedResponse> {
    note.details = { emailSha256: emailFingerprint(dto.email) };
    await this.reset.request(dto.email, requestInfo(req).clientIp);
    return { message: ACCEPTED_MESSAGE };
  }

  @Post('password-reset/confirm')
  @Public()
  @Audited('auth.password.reset', 'auth.password.reset.failed', 'user')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password with the token from the link; every session ends' })
  @ApiBody({
    type: PasswordResetConfirmDto,
    examples: { demo: { value: EXAMPLE_RESET_CONFIRM } },
  })
  @ApiNoContentResponse({ description: 'Password set; log in again' })
  @ApiProblems(400, 403, 413, 415)
  async confirmReset(
    @Body() dto: PasswordResetConfirmDto,
    @AuditNoteParam() note: AuditNote,
  ): Promise<void> {
    const userId = await this.reset.confirm(dto.token, dto.newPassword);
    note.resourceId = userId;
    note.actor = { type: 'user', id: userId, role: null, method: 'password-reset-token' };
  }
}
