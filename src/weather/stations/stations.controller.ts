import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal } from '../../security/authorization/current-principal.decorator';
import { assertCanManage } from '../../security/authorization/ownership';
import { Credentials, Roles } from '../../security/authorization/policy.decorators';
import { WeatherScopes } from '../weather-scopes';
import type { UserPrincipal } from '../../security/authorization/principal';
import { Idempotent } from '../../idempotency/idempotent.decorator';
import { Audited } from '../../security/audit/audited.decorator';
import { toPage } from '../../common/pagination/page.query';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { CreateStationDto, EXAMPLE_NEW_STATION } from './dto/create-station.dto';
import { ListStationsQuery } from './dto/list-stations.query';
import { StationPage, StationResponse } from './dto/station.response';
import { UpdateStationDto } from './dto/update-station.dto';
import { StationsService } from './stations.service';

@ApiTags('stations')
@ApiProblems(500)
@Controller('v1/stations')
export class StationsController {
  constructor(private readonly stations: StationsService) {}

  @Get()
  @Credentials('user', 'api-key')
  @WeatherScopes('stations:read')
  @ApiOperation({ summary: 'List stations (filter by code, name substring, bounding box)' })
  @ApiOkResponse({ type: StationPage })
  @ApiProblems(400)
  async list(@Query() query: ListStationsQuery): Promise<StationPage> {
    return toPage(await this.stations.list(query), query, (s) => StationResponse.from(s));
  }

  @Get(':id')
  @Credentials('user', 'api-key')
  @WeatherScopes('stations:read')
  @ApiOperation({ summary: 'Get one station' })
  @ApiOkResponse({ type: StationResponse })
  @ApiProblems(400, 404)
  async get(@Param('id', UuidParam()) id: string): Promise<StationResponse> {
    return StationResponse.from(await this.stations.get(id));
  }

  @Post()
  @Credentials('user')
  @Roles('operator', 'admin')
  @Audited('station.created', 'station.create.failed', 'station')
  @Idempotent()
  @ApiOperation({ summary: 'Create a station, owned by the caller' })
  // A code the demo data does not use (BER_TEGEL, the property example, is taken: 409).
  @ApiBody({ type: CreateStationDto, examples: { demo: { value: EXAMPLE_NEW_STATION } } })
  @ApiCreatedResponse({ type: StationResponse })
  @ApiProblems(400, 409, 413, 415)
  async create(
    @CurrentPrincipal() caller: UserPrincipal,
    @Body() dto: CreateStationDto,
  ): Promise<StationResponse> {
    return StationResponse.from(await this.stations.create(dto, caller.userId));
  }

  @Patch(':id')
  @Credentials('user')
  @Roles('operator', 'admin')
  @Audited('station.updated', 'station.update.failed', 'station')
  @ApiOperation({ summary: 'Change a station you own (admins: any)' })
  @ApiBody({
    type: UpdateStationDto,
    examples: { demo: { value: { name: 'Rooftop, north side' } } },
  })
  @ApiOkResponse({ type: StationResponse })
  @ApiProblems(400, 404, 409, 413, 415)
  async update(
    @CurrentPrincipal() caller: UserPrincipal,
    @Param('id', UuidParam()) id: string,
    @Body() dto: UpdateStationDto,
  ): Promise<StationResponse> {
    const station = await this.stations.get(id);
    assertCanManage(caller, station.ownerId, 'Station');
    return StationResponse.from(await this.stations.update(station, dto));
  }

  @Delete(':id')
  @Credentials('user')
  @Roles('operator', 'admin')
  @HttpCode(204)
  @Audited('station.deleted', 'station.delete.failed', 'station')
  @ApiOperation({ summary: 'Delete a station you own (admins: any) and its observations' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(400, 404)
  async remove(
    @CurrentPrincipal() caller: UserPrincipal,
    @Param('id', UuidParam()) id: string,
  ): Promise<void> {
    const station = await this.stations.get(id);
    assertCanManage(caller, station.ownerId, 'Station');
    await this.stations.remove(station);
  }
}
