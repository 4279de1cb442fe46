import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UuidParam } from '../../common/validation/uuid-param.pipe';
import { ApiProblems } from '../../openapi/api-problems.decorator';
import { CreateStationDto } from './dto/create-station.dto';
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
  @ApiOperation({ summary: 'List stations (filter by code, name substring, bounding box)' })
  @ApiOkResponse({ type: StationPage })
  @ApiProblems(400)
  async list(@Query() query: ListStationsQuery): Promise<StationPage> {
    const { items, total } = await this.stations.list(query);
    return {
      data: items.map((s) => StationResponse.from(s)),
      page: { limit: query.limit, offset: query.offset, total },
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one station' })
  @ApiOkResponse({ type: StationResponse })
  @ApiProblems(400, 404)
  async get(@Param('id', UuidParam()) id: string): Promise<StationResponse> {
    return StationResponse.from(await this.stations.get(id));
  }

  @Post()
  @ApiOperation({ summary: 'Create a station' })
  @ApiCreatedResponse({ type: StationResponse })
  @ApiProblems(400, 409, 413, 415)
  async create(@Body() dto: CreateStationDto): Promise<StationResponse> {
    return StationResponse.from(await this.stations.create(dto, null));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a station' })
  @ApiOkResponse({ type: StationResponse })
  @ApiProblems(400, 404, 409, 413, 415)
  async update(
    @Param('id', UuidParam()) id: string,
    @Body() dto: UpdateStationDto,
  ): Promise<StationResponse> {
    const station = await this.stations.get(id);
    return StationResponse.from(await this.stations.update(station, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a station and its observations' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(400, 404)
  async remove(@Param('id', UuidParam()) id: string): Promise<void> {
    await this.stations.remove(await this.stations.get(id));
  }
}
