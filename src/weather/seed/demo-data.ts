import { Observation } from '../observations/observation.entity';
import { Station } from '../stations/station.entity';

type StationSeed = Pick<
  Station,
  'code' | 'name' | 'latitude' | 'longitude' | 'elevationM' | 'timezone'
> & {
  meanC: number;
  dailyRangeC: number;
};

export const DEMO_STATIONS: StationSeed[] = [
  {
    code: 'BER_TEGEL',
    name: 'Berlin Tegel',
    latitude: 52.5644,
    longitude: 13.3088,
    elevationM: 36,
    timezone: 'Europe/Berlin',
    meanC: 6,
    dailyRangeC: 7,
  },
  {
    code: 'OSL_BLINDERN',
    name: 'Oslo Blindern',
    latitude: 59.9423,
    longitude: 10.72,
    elevationM: 94,
    timezone: 'Europe/Oslo',
    meanC: 1,
    dailyRangeC: 5,
  },
  {
    code: 'NYC_CPARK',
    name: 'New York Central Park',
    latitude: 40.7789,
    longitude: -73.9692,
    elevationM: 42,
    timezone: 'America/New_York',
    meanC: 9,
    dailyRangeC: 8,
  },
  {
    code: 'SYD_OBSHILL',
    name: 'Sydney Observatory Hill',
    latitude: -33.8607,
    longitude: 151.205,
    elevationM: 39,
    timezone: 'Australia/Sydney',
    meanC: 21,
    dailyRangeC: 8,
  },
  {
    code: 'NBO_DAGORETTI',
    name: 'Nairobi Dagoretti',
    latitude: -1.3019,
    longitude: 36.76,
    elevationM: 1798,
    timezone: 'Africa/Nairobi',
    meanC: 19,
    dailyRangeC: 11,
  },
];

export const DEMO_DAYS = 30;

/** mulberry32: a tiny seeded PRNG, so the demo data is the same on every machine. Not for secrets. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Local hour of day at a station, for a diurnal curve that peaks mid-afternoon local time. */
function localHour(instant: Date, timezone: string): number {
  const hour = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    hourCycle: 'h23',
  }).format(instant);
  return Number(hour);
}

/**
 * Hourly observations for the DEMO_DAYS days up to `end` (an hour boundary): a sine-shaped
 * daily curve (minimum near 05:00, maximum near 15:00 local), a slow synoptic drift, small
 * noise, and occasional showers.
 */
export function demoObservations(
  station: StationSeed,
  stationId: string,
  end: Date,
  seed: number,
): Array<Omit<Observation, 'id' | 'createdAt'>> {
  const random = seededRandom(seed);
  const hours = DEMO_DAYS * 24;
  const rows: Array<Omit<Observation, 'id' | 'createdAt'>> = [];
  for (let i = hours; i > 0; i--) {
    const observedAt = new Date(end.getTime() - i * 3_600_000);
    const hour = localHour(observedAt, station.timezone);
    const diurnal = Math.sin(((hour - 9) / 24) * 2 * Math.PI) * (station.dailyRangeC / 2);
    const drift = Math.sin((i / hours) * 4 * Math.PI) * 2.5;
    const temperatureC = round1(station.meanC + diurnal + drift + (random() - 0.5));
    const raining = random() < 0.08;
    rows.push({
      stationId,
      observedAt,
      temperatureC,
      relativeHumidity: round1(
        Math.min(100, 70 - diurnal * 3 + random() * 10 + (raining ? 15 : 0)),
      ),
      pressureHpa: round1(1013 + drift * 3 + (random() - 0.5) * 2),
      windSpeedMs: round1(random() * 8),
      windDirectionDeg: Math.floor(random() * 360),
      precipitationMm: raining ? round1(random() * 3) : 0,
    });
  }
  return rows;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
