import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UuidParam } from '../common/validation/uuid-param.pipe';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { ApiKeysService } from '../security/api-key/api-keys.service';
import { CurrentPrincipal } from '../security/authorization/current-principal.decorator';
import { Credentials, Roles } from '../security/authorization/policy.decorators';
import type { UserPrincipal } from '../security/authorization/principal';
import { UsageQuery } from './dto/usage.query';
import { ApiKeyUsage, TopUsage } from './dto/usage.response';
import { UsageService } from './usage.service';

@ApiTags('usage')
@ApiProblems(500)
@Credentials('user')
@Controller('v1')
export class UsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  @Get('api-keys/:id/usage')
  @Roles('operator', 'admin')
  @ApiOperation({ summary: 'Hourly requests and errors of one of your API keys' })
  @ApiOkResponse({ type: ApiKeyUsage })
  @ApiProblems(400, 404)
  async keyUsage(
    @CurrentPrincipal() caller: UserPrincipal,
    @Param('id', UuidParam()) id: string,
    @Query() query: UsageQuery,
  ): Promise<ApiKeyUsage> {
    const key = await this.apiKeys.get(caller, id);
    return this.usage.forApiKey(key.id, query);
  }

  @Get('usage/top-endpoints')
  @Roles('admin')
  @ApiOperation({ summary: 'The most trafficked endpoints and the heaviest callers in a range' })
  @ApiOkResponse({ type: TopUsage })
  @ApiProblems(400)
  top(@Query() query: UsageQuery): Promise<TopUsage> {
    return this.usage.top(query);
  }
}
