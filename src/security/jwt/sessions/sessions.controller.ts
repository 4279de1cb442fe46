import {
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UuidParam } from '../../../common/validation/uuid-param.pipe';
import { ApiProblems } from '../../../openapi/api-problems.decorator';
import { AllowUnverified } from '../../accounts/allow-unverified.decorator';
import { AuditNote, AuditNoteParam, Audited } from '../../audit/audited.decorator';
import { AuthorizationGuard } from '../../authorization/authorization.guard';
import { CurrentPrincipal } from '../../authorization/current-principal.decorator';
import { Credentials } from '../../authorization/policy.decorators';
import type { UserPrincipal } from '../../authorization/principal';
import { RevokedCount, SessionList, SessionResponse } from './session.response';
import { SessionsService } from './sessions.service';

/** The caller's own sessions. People only: an API key has no session to show. */
@ApiTags('auth')
@ApiProblems(500)
@UseGuards(AuthorizationGuard) // see AuthEndpointsModule: refused, not opened, without our guards
@Credentials('user')
@Controller('v1/auth/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({ summary: 'Your live sessions (newest first); `current` marks this one' })
  @ApiOkResponse({ type: SessionList })
  async list(@CurrentPrincipal() principal: UserPrincipal): Promise<SessionList> {
    const live = await this.sessions.listLive(principal.userId);
    return { data: live.map((s) => SessionResponse.from(s, principal.sessionId)) };
  }

  @Delete(':id')
  @AllowUnverified() // ending one's own sessions is a defence, never gated on a verified address
  @Audited('auth.session.revoked', 'auth.session.revoke.failed', 'session')
  @HttpCode(204)
  @ApiOperation({ summary: 'End one of your sessions: its tokens stop working at once' })
  @ApiNoContentResponse({ description: 'Ended' })
  @ApiProblems(400, 404)
  async revoke(
    @CurrentPrincipal() principal: UserPrincipal,
    @Param('id', UuidParam()) id: string,
  ): Promise<void> {
    // Someone else's session answers like one that does not exist (API1:2023).
    if (!(await this.sessions.revokeOwn(principal.userId, id))) {
      throw new NotFoundException('Session not found.');
    }
  }

  @Post('revoke-others')
  @AllowUnverified()
  @Audited('auth.sessions.others_revoked', 'auth.sessions.others_revoke.failed', 'user')
  @HttpCode(200)
  @ApiOperation({ summary: 'End every session of yours but this one' })
  @ApiOkResponse({ type: RevokedCount })
  async revokeOthers(
    @CurrentPrincipal() principal: UserPrincipal,
    @AuditNoteParam() note: AuditNote,
  ): Promise<RevokedCount> {
    note.resourceId = principal.userId;
    const revoked = await this.sessions.revokeOthers(principal.userId, principal.sessionId);
    note.details = { revoked };
    return { revoked };
  }
}
