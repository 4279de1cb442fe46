import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PageQuery, toPage } from '../common/pagination/page.query';
import { UuidParam } from '../common/validation/uuid-param.pipe';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { ApiKeysService } from '../security/api-key/api-keys.service';
import { Credentials, RequiresMfa, Roles } from '../security/authorization/policy.decorators';
import { CurrentPrincipal } from '../security/authorization/current-principal.decorator';
import type { UserPrincipal } from '../security/authorization/principal';
import { ValidationProblem } from '../common/problem-details/problem.exception';
import { AuditNote, AuditNoteParam, Audited } from '../security/audit/audited.decorator';
import { RevokedCount } from '../security/jwt/sessions/session.response';
import { TokenService } from '../security/jwt/token.service';
import { UnverifiedAccountPolicy } from '../security/accounts/unverified-account.policy';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserPage, UserResponse } from './dto/user.response';
import { UsersService } from './users.service';

/** User administration: admins only, people only. */
@ApiTags('users')
@ApiProblems(500)
@Credentials('user')
@Roles('admin')
@Controller('v1/users')
export class UsersAdminController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly apiKeys: ApiKeysService,
    private readonly unverified: UnverifiedAccountPolicy,
  ) {}

  @Get()
  @ApiOperation({ summary: 'All users' })
  @ApiOkResponse({ type: UserPage })
  @ApiProblems(400)
  async list(@Query() query: PageQuery): Promise<UserPage> {
    return toPage(await this.users.list(query), query, (u) => UserResponse.from(u));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserResponse })
  @ApiProblems(400, 404)
  async get(@Param('id', UuidParam()) id: string): Promise<UserResponse> {
    return UserResponse.from(await this.users.get(id));
  }

  @Patch(':id')
  @RequiresMfa() // role changes and disabling: a stolen admin password alone must not do them
  @Audited('user.updated', 'user.update.failed', 'user')
  @ApiOperation({ summary: 'Change role or disable; disabling revokes sessions and keys at once' })
  @ApiBody({ type: UpdateUserDto, examples: { demo: { value: { role: 'operator' } } } })
  @ApiOkResponse({ type: UserResponse })
  @ApiProblems(400, 403, 404, 409, 413, 415)
  async update(
    @CurrentPrincipal() caller: UserPrincipal,
    @Param('id', UuidParam()) id: string,
    @Body() dto: UpdateUserDto,
    @AuditNoteParam() note: AuditNote,
  ): Promise<UserResponse> {
    const user = await this.users.get(id);
    // Guards against locking the last admin out by accident; another admin can do it.
    if (user.id === caller.userId) {
      throw ValidationProblem.field(
        'id',
        'admins cannot change their own role or disable themselves',
      );
    }
    // An operator or admin must be reachable at a proven address (UNVERIFIED_ACCOUNTS).
    this.unverified.assertMayGrant(user, dto.role);
    const disabling = dto.disabled === true && user.disabledAt === null;
    if (disabling) note.action = 'user.disabled';
    note.details = {
      ...(dto.role !== undefined ? { role: dto.role } : {}),
      ...(dto.disabled !== undefined ? { disabled: dto.disabled } : {}),
    };
    const changes = {
      ...(dto.role !== undefined ? { role: dto.role } : {}),
      ...(dto.disabled !== undefined
        ? { disabledAt: dto.disabled ? (user.disabledAt ?? new Date()) : null }
        : {}),
    };
    const updated = await this.users.updateAsAdmin(caller.userId, user.id, changes, async () => {
      if (!disabling) return;
      await this.tokens.revokeAllSessions(user.id, 'user_disabled');
      await this.apiKeys.revokeAllOwnedBy(user.id);
    });
    return UserResponse.from(updated);
  }

  @Post(':id/sessions/revoke')
  @RequiresMfa()
  @Audited('user.sessions.revoked', 'user.sessions.revoke.failed', 'user')
  @HttpCode(200)
  @ApiOperation({ summary: 'End every session of a user: their access tokens stop at once' })
  @ApiOkResponse({ type: RevokedCount })
  @ApiProblems(400, 404)
  async revokeSessions(
    @Param('id', UuidParam()) id: string,
    @AuditNoteParam() note: AuditNote,
  ): Promise<RevokedCount> {
    const user = await this.users.get(id); // 404 for an unknown id
    const revoked = await this.tokens.revokeAllSessions(user.id, 'revoked_by_admin');
    note.details = { revoked };
    return { revoked };
  }
}
