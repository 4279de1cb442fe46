import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../app.module';
import { loadConfig } from '../../config/load-config';
import { DemoSeedService } from './demo-seed.service';

/** `npm run seed`: recreates the demo stations and observations on the configured database. */
async function main(): Promise<void> {
  const config = { ...loadConfig(process.env), seedDemoData: false };
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: ['error', 'warn', 'log'],
  });
  const count = await app.get(DemoSeedService).seed();
  console.log(`Demo data recreated: ${count} observations.`);
  await app.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
