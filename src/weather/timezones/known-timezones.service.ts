import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { databaseKnowsTimezone, setKnownTimezones } from '../../common/validation/known-timezones';

/**
 * Loads the database's time zone names once at start (about 600 on PGlite, 1,200 on a server
 * with its posix/ copies) into the registry the IsIanaTimezone validator reads, and answers
 * the same question for code that runs inside DI (the daily summary).
 */
@Injectable()
export class KnownTimezones implements OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const rows: Array<{ name: string }> = await this.dataSource.query(
      'SELECT name FROM pg_timezone_names',
    );
    setKnownTimezones(rows.map((row) => row.name));
  }

  has(name: string): boolean {
    return databaseKnowsTimezone(name);
  }
}
