import { Body, Controller, Get, NotFoundException, Param, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { CurrentPrincipal } from '../../security/authorization/current-principal.decorator';
import { assertCanManage } from '../../security/authorization/ownership';
import { Credentials, Roles } from '../../security/authorization/policy.decorators';
import { mayActOn } from '../../security/api-key/api-key-binding';
import { WeatherScopes } from '../weather-scopes';
import type { Principal } from '../../security/authorization/principal';
import { Idempotent } from '../../idempotency/idempotent.decorator';
import { AuditNote, AuditNoteParam, Audited } from '../../security/audit/audited.decorator';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { StationsService } from '../stations/stations.service';
import { CreateObservationDto } from './dto/create-observation.dto';
import { ListObservationsQuery } from './dto/list-observations.query';
import { MAX_BATCH } from './dto/observation-batch.dto';
import { IngestResult, ObservationPage, ObservationResponse } from './dto/observation.response';
import { ObservationsBodyPipe } from './observations-body.pipe';
import { ObservationsService } from './observations.service';

@ApiTags('observations')
@ApiProblems(500)
@ApiExtraModels(CreateObservationDto)
@Controller('v1/stations/:id/observations')
export class ObservationsController {
  constructor(
    private readonly stations: StationsService,
    private readonly observations: ObservationsService,
  ) {}

  @Post()
  @Credentials('user', 'api-key')
  @Roles('operator', 'admin')
  @WeatherScopes('observations:write')
  @Audited('observations.ingested', 'observations.ingest.failed', 'station')
  @Idempotent()
  @ApiOperation({
    summary: `Ingest one observation, or a batch of up to ${MAX_BATCH} (all or nothing)`,
  })
  @ApiBody({
    // Minutes past the hour: the demo data is hourly, so the example never collides (409).
    examples: {
      one: {
        value: { observedAt: '2026-11-20T12:07:30Z', temperatureC: 11.5, relativeHumidity: 81 },
      },
      batch: {
        value: [
          { observedAt: '2026-11-20T12:17:30Z', temperatureC: 11.6 },
          { observedAt: '2026-11-20T12:27:30Z', temperatureC: 11.8, precipitationMm: 0.2 },
        ],
      },
    },
    schema: {
      oneOf: [
        { $ref: getSchemaPath(CreateObservationDto) },
        {
          type: 'array',
          minItems: 1,
          maxItems: MAX_BATCH,
          items: { $ref: getSchemaPath(CreateObservationDto) },
        },
      ],
    },
  })
  @ApiCreatedResponse({ type: IngestResult })
  @ApiProblems(400, 404, 409, 413, 415)
  async ingest(
    @CurrentPrincipal() caller: Principal,
    @Param('id', UuidParam()) id: string,
    @Body(ObservationsBodyPipe) items: CreateObservationDto[],
    @AuditNoteParam() note: AuditNote,
  ): Promise<IngestResult> {
    note.details = { count: items.length };
    const station = await this.stations.get(id);
    // A key bound to one station writes only there; any writer must manage the station.
    if (!mayActOn(caller, station.id)) throw new NotFoundException('Station not found.');
    assertCanManage(caller, station.ownerId, 'Station');
    return { count: await this.observations.ingest(station.id, items) };
  }

  @Get()
  @Credentials('user', 'api-key')
  @WeatherScopes('observations:read')
  @ApiOperation({
    summary: 'Observations in a time range (at most 31 days), oldest first, keyset-paginated',
  })
  @ApiOkResponse({ type: ObservationPage })
  @ApiProblems(400, 404)
  async list(
    @Param('id', UuidParam()) id: string,
    @Query() query: ListObservationsQuery,
  ): Promise<ObservationPage> {
    // The page's query also finds the station (404 without it): one round trip.
    const { items, nextCursor } = await this.observations.list(id, query);
    return { data: items.map((o) => ObservationResponse.from(o)), nextCursor };
  }

  @Get('latest')
  @Credentials('user', 'api-key')
  @WeatherScopes('observations:read')
  @ApiOperation({ summary: 'The most recent observation of a station' })
  @ApiOkResponse({ type: ObservationResponse })
  @ApiProblems(400, 404)
  async latest(@Param('id', UuidParam()) id: string): Promise<ObservationResponse> {
    return ObservationResponse.from(await this.observations.latest(id));
  }
}
