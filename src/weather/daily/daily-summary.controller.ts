import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Credentials } from '../../security/authorization/policy.decorators';
import { WeatherScopes } from '../weather-scopes';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { StationsService } from '../stations/stations.service';
import { DailySummaryService } from './daily-summary.service';
import { DailySummaryQuery } from './dto/daily-summary.query';
import { DailySummaryList } from './dto/daily-summary.response';

@ApiTags('observations')
@ApiProblems(500)
@Controller('v1/stations/:id/daily')
export class DailySummaryController {
  constructor(
    private readonly stations: StationsService,
    private readonly daily: DailySummaryService,
  ) {}

  @Get()
  @Credentials('user', 'api-key')
  @WeatherScopes('observations:read')
  @ApiOperation({
    summary:
      'Daily min/max/mean temperature, precipitation and count per local calendar day (at most 366 days)',
  })
  @ApiOkResponse({ type: DailySummaryList })
  @ApiProblems(400, 404, 409)
  async summarise(
    @Param('id', UuidParam()) id: string,
    @Query() query: DailySummaryQuery,
  ): Promise<DailySummaryList> {
    const station = await this.stations.get(id);
    return {
      stationId: station.id,
      timezone: station.timezone,
      data: await this.daily.summarise(station, query),
    };
  }
}
