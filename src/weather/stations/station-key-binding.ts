import { Injectable } from '@nestjs/common';
import type { ApiKeyBinding } from '../../security/api-key/api-key-binding';
import { assertCanManage } from '../../security/authorization/ownership';
import type { UserPrincipal } from '../../security/authorization/principal';
import { StationsService } from './stations.service';

/** This app binds API keys to stations: only to one that exists and that the caller manages. */
@Injectable()
export class StationKeyBinding implements ApiKeyBinding {
  constructor(private readonly stations: StationsService) {}

  async assertMayBind(caller: UserPrincipal, stationId: string): Promise<void> {
    const station = await this.stations.get(stationId); // 404 when there is none
    assertCanManage(caller, station.ownerId, 'Station');
  }
}
