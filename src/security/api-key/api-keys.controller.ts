import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { toPage } from '../../common/pagination/page.query';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { AuthorizationGuard } from '../authorization/authorization.guard';
import { CurrentPrincipal } from '../authorization/current-principal.decorator';
import { Credentials, RequiresMfa, Roles } from '../authorization/policy.decorators';
import type { UserPrincipal } from '../authorization/principal';
import { RateLimitedFlow } from '../throttling/rate-limit-flow.decorator';
import { Audited } from '../audit/audited.decorator';
import { ApiKeysService } from './api-keys.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { ApiKeyCreatedResponse, ApiKeyList, ApiKeyResponse } from './dto/api-key.response';
import { ListApiKeysQuery } from './dto/list-api-keys.query';
import { RequestArrivedAt } from './request-arrival';

/** Key management is for people (operators and admins); a key can never manage keys. */
@ApiTags('api-keys')
@ApiProblems(500)
@Credentials('user')
@Roles('operator', 'admin')
@UseGuards(AuthorizationGuard) // see ApiKeyEndpointsModule: refused, not opened, without our guards
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @RateLimitedFlow('api-key-issue')
  @RequiresMfa()
  @Audited('apikey.created', 'apikey.create.failed', 'api-key')
  @ApiOperation({ summary: 'Create an API key; the full key is in this response only' })
  // No expiry or resource in the example: Swagger UI would fill in "now" and a made-up id.
  @ApiBody({
    type: CreateApiKeyDto,
    examples: {
      demo: { value: { name: 'Dashboard', scopes: ['stations:read', 'observations:read'] } },
    },
  })
  @ApiCreatedResponse({ type: ApiKeyCreatedResponse })
  @ApiProblems(400, 404, 413, 415)
  async create(
    @CurrentPrincipal() caller: UserPrincipal,
    @Body() dto: CreateApiKeyDto,
  ): Promise<ApiKeyCreatedResponse> {
    const { record, key } = await this.apiKeys.create(caller, dto);
    return { ...ApiKeyResponse.from(record), key };
  }

  @Get()
  @ApiOperation({ summary: 'Your keys (admins: all keys, or one owner’s)' })
  @ApiOkResponse({ type: ApiKeyList })
  @ApiProblems(400)
  async list(
    @CurrentPrincipal() caller: UserPrincipal,
    @Query() query: ListApiKeysQuery,
  ): Promise<ApiKeyList> {
    const keys = await this.apiKeys.list(caller, query, query.ownerId);
    return toPage(keys, query, (k) => ApiKeyResponse.from(k));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your keys' })
  @ApiOkResponse({ type: ApiKeyResponse })
  @ApiProblems(400, 404)
  async get(
    @CurrentPrincipal() caller: UserPrincipal,
    @Param('id', UuidParam()) id: string,
  ): Promise<ApiKeyResponse> {
    return ApiKeyResponse.from(await this.apiKeys.get(caller, id));
  }

  @Post(':id/rotate')
  @RateLimitedFlow('api-key-issue')
  @RequiresMfa()
  @Audited('apikey.rotated', 'apikey.rotate.failed', 'api-key')
  @ApiOperation({
    summary:
      'New secret for a key; the old one works for the grace period. 409 when another rotation of the key committed after this request arrived',
  })
  @ApiCreatedResponse({ type: ApiKeyCreatedResponse })
  @ApiProblems(400, 404, 409)
  async rotate(
    @CurrentPrincipal() caller: UserPrincipal,
    @Param('id', UuidParam()) id: string,
    @RequestArrivedAt() arrivedAt: Date,
  ): Promise<ApiKeyCreatedResponse> {
    const { record, key } = await this.apiKeys.rotate(caller, id, arrivedAt);
    return { ...ApiKeyResponse.from(record), key };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequiresMfa()
  @Audited('apikey.revoked', 'apikey.revoke.failed', 'api-key')
  @ApiOperation({ summary: 'Revoke a key at once' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblems(400, 404)
  async revoke(
    @CurrentPrincipal() caller: UserPrincipal,
    @Param('id', UuidParam()) id: string,
  ): Promise<void> {
    await this.apiKeys.revoke(caller, id);
  }
}
