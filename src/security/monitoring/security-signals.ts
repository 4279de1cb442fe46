import { Injectable, OnModuleInit } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import {
  ErrorResponse,
  ErrorResponseEvents,
} from '../../common/problem-details/error-response.events';
import { ProblemException } from '../../common/problem-details/problem.exception';
import type { AuditEvent } from '../audit/audit-event';
import { AlertDetector } from './alert-detector';
import { routeTemplateOf } from './http-metrics';
import { SecurityMetrics } from './security-metrics';

/** Credential kinds and reasons of handler-level failures (the guard's come in its 401's details). */
const LOGIN_FAILED = 'auth.login.failed';
const REFRESH_FAILED = 'auth.refresh.failed';
const REFRESH_REUSED = 'auth.refresh.reused';
const USER_UPDATED = 'user.updated';

/**
 * Turns what the other layers already announce into counters: error responses (the
 * authentication guard's 401 with its refusal reason, 403s, 429s, failed queries) from the
 * problem-details filter's channel, and the audit records the host hands to `auditRecord()`
 * (failed logins, refresh-token reuse, records written). No layer imports monitoring.
 */
@Injectable()
export class SecuritySignals implements OnModuleInit {
  private dropped = 0;

  constructor(
    private readonly events: ErrorResponseEvents,
    private readonly metrics: SecurityMetrics,
    private readonly detector: AlertDetector,
  ) {}

  onModuleInit(): void {
    this.events.subscribe((event) => this.errorResponse(event));
  }

  /** One error response of the API. */
  errorResponse({ exception, status, request }: ErrorResponse): void {
    if (exception instanceof QueryFailedError) this.metrics.dbQueryErrors.inc();
    if (!(exception instanceof ProblemException)) return;
    const details = exception.auditDetails;
    if (status === 401 && details?.credential !== undefined && details.refusal !== undefined) {
      this.metrics.authFailures.labels(details.credential, details.refusal).inc();
      if (details.refusal === 'rotated_out' && details.keyId !== undefined) {
        const ip = (request as { ip?: string }).ip ?? null;
        this.detector.rotatedSecretPresented(details.keyId, ip);
      }
    } else if (status === 403) {
      this.metrics.authorizationDenials.labels(routeTemplateOf(request as never)).inc();
    } else if (status === 429 && details?.limit !== undefined) {
      this.metrics.throttled.labels(details.limit).inc();
    }
  }

  /** One audit record written to the chain (the host subscribes this to the audit layer). */
  auditRecord(record: Readonly<AuditEvent>): void {
    this.metrics.auditWritten.inc();
    switch (record.action) {
      case LOGIN_FAILED: {
        // The second step of an MFA login (POST /v1/auth/login/mfa) fails on its code.
        const mfa = record.details?.mfa !== undefined;
        // Locked: refused before the password (or code) was checked (the per-account limit).
        const reason =
          record.outcome === 'throttled' ? 'locked' : mfa ? 'bad_code' : 'bad_password';
        this.metrics.authFailures.labels(mfa ? 'mfa' : 'password', reason).inc(record.occurrences);
        this.detector.loginFailed(record);
        break;
      }
      case REFRESH_FAILED:
        this.metrics.authFailures.labels('refresh-token', 'bad_token').inc(record.occurrences);
        break;
      case REFRESH_REUSED:
        this.metrics.refreshReuse.inc(record.occurrences);
        this.metrics.authFailures.labels('refresh-token', 'reused').inc(record.occurrences);
        this.detector.refreshTokenReused(record);
        break;
      case USER_UPDATED:
        this.detector.roleChanged(record);
        break;
    }
  }

  /** A record the audit pipeline lost. */
  auditLoss(loss: 'dropped' | 'quarantined'): void {
    if (loss === 'quarantined') return this.metrics.auditQuarantined.inc();
    this.dropped += 1;
    this.metrics.auditDropped.inc();
    this.detector.auditRecordDropped(this.dropped);
  }
}
