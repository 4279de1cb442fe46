import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
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
  @ApiOperation({ summary: `Ingest one observation, or a batch of up to ${MAX_BATCH} (all or nothing)` })
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(CreateObservationDto) },
        { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: { $ref: getSchemaPath(CreateObservationDto) } },
      ],
    },
  })
  @ApiCreatedResponse({ type: IngestResult })
  @ApiProblems(400, 404, 409, 413, 415)
  async ingest(
    @Param('id', UuidParam()) id: string,
    @Body(ObservationsBodyPipe) items: CreateObservationDto[],
  ): Promise<IngestResult> {
    const station = await this.stations.get(id);
    return { count: await this.observations.ingest(station.id, items) };
  }

  @Get()
  @ApiOperation({ summary: 'Observations in a time range (at most 31 days), oldest first, keyset-paginated' })
  @ApiOkResponse({ type: ObservationPage })
  @ApiProblems(400, 404)
  async list(
    @Param('id', UuidParam()) id: string,
    @Query() query: ListObservationsQuery,
  ): Promise<ObservationPage> {
    const station = await this.stations.get(id);
    const { items, nextCursor } = await this.observations.list(station.id, query);
    return { data: items.map((o) => ObservationResponse.from(o)), nextCursor };
  }

  @Get('latest')
  @ApiOperation({ summary: 'The most recent observation of a station' })
  @ApiOkResponse({ type: ObservationResponse })
  @ApiProblems(400, 404)
  async latest(@Param('id', UuidParam()) id: string): Promise<ObservationResponse> {
    const station = await this.stations.get(id);
    return ObservationResponse.from(await this.observations.latest(station.id));
  }
}
