import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuditEvent } from '../audit/audit-event';
import type { Principal } from '../authorization/principal';
import { DetectionStore, InMemoryDetectionStore, RedisDetectionStore } from './detection.store';
import {
  AlertThresholds,
  MONITORING_OPTIONS,
  MonitoringOptions,
  alertThresholds,
} from './monitoring.options';
import { AlertEvidence, AlertType, SecurityAlert, shortHash } from './security-alert';
import { SecurityMetrics } from './security-metrics';

export type AlertListener = (alert: SecurityAlert) => void;

/** Addresses remembered per API key in this process before asking the shared store. */
const LOCAL_KEYS_MAX = 10_000;
const STORE_ERROR_LOG_MS = 60_000;

/**
 * The detection rules: cheap counters per fixed window (DetectionStore: Redis when the
 * instances share one, else this process), each turning a pattern of signals into one alert per
 * episode. They run beside the request, never in its way: nothing here is awaited by a request,
 * and a store that fails is logged (at most once a minute), never thrown.
 */
@Injectable()
export class AlertDetector {
  private readonly logger = new Logger(AlertDetector.name);
  private readonly store: DetectionStore;
  private readonly limits: AlertThresholds;
  private readonly listeners: AlertListener[] = [];
  /** Per API key, the window and the addresses already reported to the store in it. */
  private readonly keyAddresses = new Map<string, { window: number; addresses: Set<string> }>();
  private storeErrorLoggedAt = 0;

  constructor(
    @Inject(MONITORING_OPTIONS) options: MonitoringOptions,
    private readonly metrics: SecurityMetrics,
  ) {
    this.limits = alertThresholds(options);
    this.store = options.redis
      ? new RedisDetectionStore(options.redis)
      : new InMemoryDetectionStore(50_000, this.maxThreshold() + 1);
  }

  /** The host writes each alert somewhere durable (this app: the audit log). */
  onAlert(listener: AlertListener): void {
    this.listeners.push(listener);
  }

  /** A failed login as the audit log recorded it (hashed address, client IP, locked or not). */
  loginFailed(record: Readonly<AuditEvent>): void {
    const account = record.details?.emailSha256;
    if (typeof account !== 'string') return;
    const ip = record.clientIp;
    const { stuffingAccounts, stuffingWindowSeconds: stuffWindow } = this.limits;
    const { bruteForceFailures, bruteForceWindowSeconds: bruteWindow } = this.limits;
    this.run(async () => {
      if (ip) {
        const accounts = await this.store.distinct(`stuff:${ip}`, account, stuffWindow * 1000);
        if (accounts >= stuffingAccounts) {
          await this.raise('credential_stuffing', ip, {
            clientIp: ip,
            evidence: { distinctAccounts: accounts, windowSeconds: stuffWindow },
          });
        }
      }
      if (record.outcome === 'throttled') {
        // Already locked by the per-account limit: the attack is under way, say so.
        await this.raise('brute_force', account, {
          clientIp: ip,
          evidence: { accountSha256: account, locked: true, windowSeconds: bruteWindow },
        });
        return;
      }
      const failures = await this.store.count(`brute:${account}`, bruteWindow * 1000);
      if (failures >= bruteForceFailures) {
        await this.raise('brute_force', account, {
          clientIp: ip,
          evidence: { accountSha256: account, failures, windowSeconds: bruteWindow },
        });
      }
    });
  }

  /** A rotated refresh token presented again: its session was ended; someone else has it. */
  refreshTokenReused(record: Readonly<AuditEvent>): void {
    const session = record.resourceId ?? 'unknown';
    const user = record.actor.id;
    this.run(() =>
      this.raise('refresh_token_reuse', session, {
        clientIp: record.clientIp,
        subject: user ? { type: 'user', id: user } : null,
        evidence: { sessionSha256: shortHash(session) },
      }),
    );
  }

  /** A role change that took effect (the audit record of an admin's PATCH). */
  roleChanged(record: Readonly<AuditEvent>): void {
    if (record.outcome !== 'success' || record.details?.role !== 'admin' || !record.resourceId) {
      return;
    }
    const user = record.resourceId;
    this.run(() =>
      this.raise('privilege_granted', user, {
        clientIp: record.clientIp,
        subject: { type: 'user', id: user },
        evidence: { role: 'admin', grantedBy: record.actor.id ?? 'unknown' },
      }),
    );
  }

  /** The previous secret of a rotated key, presented after its grace period ended. */
  rotatedSecretPresented(keyId: string, ip: string | null): void {
    this.run(() =>
      this.raise('api_key_rotated_secret', keyId, { clientIp: ip, evidence: { keyId } }),
    );
  }

  /**
   * An answered request of an identified caller: an API key's client address, and 404s on id
   * routes (someone walking other owners' ids). Only those two cases do any work.
   */
  requestAnswered(
    principal: Principal,
    route: string,
    status: number,
    ip: string | undefined,
  ): void {
    if (principal.kind === 'api-key' && ip) this.apiKeyFrom(principal.keyId, ip);
    if (status === 404 && route.includes(':')) this.notFound(principal);
  }

  /** The audit pipeline dropped a record (its queue was full). */
  auditRecordDropped(droppedSoFar: number): void {
    this.run(() =>
      this.raise('audit_records_dropped', 'queue', {
        evidence: { droppedSinceStart: droppedSoFar },
      }),
    );
  }

  /** The periodic verification found a broken link in the chain. */
  auditChainBroken(firstInvalidId: string): void {
    this.run(() =>
      this.raise('audit_chain_broken', firstInvalidId, { evidence: { firstInvalidId } }),
    );
  }

  private apiKeyFrom(keyId: string, ip: string): void {
    const windowMs = this.limits.apiKeyWindowSeconds * 1000;
    const window = Math.floor(Date.now() / windowMs);
    let seen = this.keyAddresses.get(keyId);
    if (!seen || seen.window !== window) {
      if (this.keyAddresses.size >= LOCAL_KEYS_MAX) this.keyAddresses.clear();
      seen = { window, addresses: new Set() };
      this.keyAddresses.set(keyId, seen);
    }
    // Only an address new to this process in this window costs a store call.
    if (seen.addresses.has(ip) || seen.addresses.size > this.limits.apiKeyAddresses) return;
    seen.addresses.add(ip);
    this.run(async () => {
      const addresses = await this.store.distinct(`keyips:${keyId}`, ip, windowMs);
      if (addresses >= this.limits.apiKeyAddresses) {
        await this.raise('api_key_many_addresses', keyId, {
          evidence: { keyId, distinctAddresses: addresses, windowSeconds: windowMs / 1000 },
        });
      }
    });
  }

  private notFound(principal: Principal): void {
    const subject =
      principal.kind === 'user'
        ? ({ type: 'user', id: principal.userId } as const)
        : ({ type: 'api-key', id: principal.apiKeyId } as const);
    const { probingNotFound, probingWindowSeconds } = this.limits;
    this.run(async () => {
      const misses = await this.store.count(
        `probe:${subject.type}:${subject.id}`,
        probingWindowSeconds * 1000,
      );
      if (misses >= probingNotFound) {
        await this.raise('object_probing', `${subject.type}:${subject.id}`, {
          subject,
          evidence: {
            notFound: misses,
            windowSeconds: probingWindowSeconds,
            ...(principal.kind === 'api-key' ? { keyId: principal.keyId } : {}),
          },
        });
      }
    });
  }

  /** Fires once per episode of (type, key), on whichever instance crosses the line first. */
  private async raise(
    type: AlertType,
    key: string,
    facts: {
      clientIp?: string | null;
      subject?: SecurityAlert['subject'];
      evidence: AlertEvidence;
    },
  ): Promise<void> {
    if (!(await this.store.firstOfEpisode(`${type}:${key}`, this.limits.episodeSeconds * 1000))) {
      return;
    }
    this.metrics.alerts.labels(type).inc();
    const alert: SecurityAlert = {
      type,
      occurredAt: new Date(),
      clientIp: facts.clientIp ?? null,
      subject: facts.subject ?? null,
      evidence: facts.evidence,
    };
    this.logger.warn({ alert: type, evidence: facts.evidence }, `Security alert: ${type}`);
    for (const listener of this.listeners) {
      try {
        listener(alert);
      } catch (error) {
        this.logger.error({ err: error }, 'Alert listener failed');
      }
    }
  }

  private run(work: () => Promise<void>): void {
    work().catch((error: unknown) => {
      if (Date.now() - this.storeErrorLoggedAt < STORE_ERROR_LOG_MS) return;
      this.storeErrorLoggedAt = Date.now();
      this.logger.error({ err: error }, 'Detection store unavailable: alerts may be missed');
    });
  }

  private maxThreshold(): number {
    const { stuffingAccounts, apiKeyAddresses } = this.limits;
    return Math.max(stuffingAccounts, apiKeyAddresses);
  }
}
