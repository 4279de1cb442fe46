import { Scopes } from '../security/authorization/policy.decorators';

/**
 * What an API key of this app can be allowed to do. The security layers know no scope names:
 * the API-key layer gets this list (ApiKeyModule options), routes name theirs with WeatherScopes.
 * The database agrees (CHECK api_keys_scopes_known in migrations/).
 */
export const WEATHER_SCOPES = ['stations:read', 'observations:read', 'observations:write'] as const;
export type WeatherScope = (typeof WEATHER_SCOPES)[number];

/** `@Scopes` limited to this app's scopes: a misspelt one does not compile. */
export const WeatherScopes = (...scopes: WeatherScope[]): MethodDecorator & ClassDecorator =>
  Scopes<WeatherScope>(...scopes);
