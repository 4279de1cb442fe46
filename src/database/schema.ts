import { Observation } from '../weather/observations/observation.entity';
import { Station } from '../weather/stations/station.entity';
import { InitialSchema1763900000000 } from '../../migrations/1763900000000-initial-schema';

/**
 * Every entity and migration, listed explicitly rather than globbed, so the app, the tests
 * (TypeScript through SWC) and the CLI (compiled JavaScript) load exactly the same set.
 * A new migration from `npm run migration:generate` is added to MIGRATIONS by hand.
 */
export const ENTITIES = [Station, Observation];
export const MIGRATIONS = [InitialSchema1763900000000];
