import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RedisHealthIndicator } from '../redis/redis.health';
import { AuditHealthIndicator } from '../security/audit/audit.health';
import { MailHealthIndicator } from '../mail/mail.health';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, AuditHealthIndicator, MailHealthIndicator],
})
export class HealthModule {}
