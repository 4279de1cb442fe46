import type Redis from 'ioredis';
import { isIP } from 'node:net';
import { OptionProblems } from '../../common/options/option-problems';

/** Where the metrics are served: a listener of their own, never the API's port. */
export interface MetricsListenerOptions {
  /** TCP port of the metrics listener; null: no listener (the metrics are still counted). */
  port: number | null;
  /** Address it binds to: loopback unless the operator says otherwise. */
  host: string;
  /** When set, `Authorization: Bearer <token>` is required on /metrics (compared in constant time). */
  token?: string;
  /**
   * True for a default port the operator did not ask for (this app: development's 9464): if it
   * is taken (a second instance), a warning instead of a failed start. An asked-for port that is
   * taken always fails the start.
   */
  bestEffort?: boolean;
}

/** Thresholds and windows of the detection rules (README "Settings"; all positive integers). */
export interface AlertThresholds {
  /** Distinct accounts with failed logins from one client, per window: stuffing or spraying. */
  stuffingAccounts: number;
  stuffingWindowSeconds: number;
  /** Failed logins on one account, per window (a lockout raises it at once). */
  bruteForceFailures: number;
  bruteForceWindowSeconds: number;
  /** Distinct client addresses presenting one API key, per window. */
  apiKeyAddresses: number;
  apiKeyWindowSeconds: number;
  /** 404s on id routes collected by one identity, per window. */
  probingNotFound: number;
  probingWindowSeconds: number;
  /** After an alert, the same alert (same type, same subject) stays quiet this long. */
  episodeSeconds: number;
  /** How often the audit chain is verified from where the last check ended. */
  auditVerifyIntervalSeconds: number;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = {
  stuffingAccounts: 10,
  stuffingWindowSeconds: 600,
  bruteForceFailures: 10,
  bruteForceWindowSeconds: 900,
  apiKeyAddresses: 5,
  apiKeyWindowSeconds: 300,
  probingNotFound: 20,
  probingWindowSeconds: 300,
  episodeSeconds: 3600,
  auditVerifyIntervalSeconds: 300,
};

/** Settings of the monitoring layer (see README "Settings"). */
export interface MonitoringOptions {
  metrics: MetricsListenerOptions;
  /** Detection thresholds; absent ones take DEFAULT_ALERT_THRESHOLDS. */
  alerts?: Partial<AlertThresholds>;
  /** A connected client to count the errors of; absent or null: no Redis metric. */
  redis?: Redis | null;
}

export const MONITORING_OPTIONS = Symbol('MONITORING_OPTIONS');

/** The minimum length of a bearer token for the metrics listener (random, e.g. 32 bytes base64url). */
export const MIN_METRICS_TOKEN_LENGTH = 32;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * A listener on a bad port or address fails the start; a token too short to be random is
 * refused (it guards the app's internals). Whether a non-loopback listener must have a token is
 * the host's policy (this app: required in production, load-config.ts).
 */
export function validateMonitoringOptions(options: MonitoringOptions): void {
  const check = new OptionProblems('MonitoringModule');
  const metrics = options.metrics as Partial<MetricsListenerOptions> | undefined;
  if (typeof metrics !== 'object' || metrics === null) {
    check.add('metrics', 'is required');
    return check.throwIfAny();
  }
  const { port, host, token, bestEffort } = metrics;
  check.optionalBoolean('metrics.bestEffort', bestEffort);
  if (
    port !== null &&
    (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
  ) {
    check.add('metrics.port', 'must be null or a port number from 0 to 65535');
  }
  check.nonEmptyString('metrics.host', host);
  if (
    token !== undefined &&
    (typeof token !== 'string' || token.length < MIN_METRICS_TOKEN_LENGTH)
  ) {
    check.add('metrics.token', `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters if given`);
  }
  for (const [name, value] of Object.entries(alertThresholds(options))) {
    check.positiveInteger(`alerts.${name}`, value);
  }
  check.throwIfAny();
}

export function alertThresholds(options: MonitoringOptions): AlertThresholds {
  return { ...DEFAULT_ALERT_THRESHOLDS, ...options.alerts };
}
