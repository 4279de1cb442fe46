import type { OpenAPIObject } from '@nestjs/swagger';
import { WEATHER_SCOPES } from '../weather/weather-scopes';

/** The API-key DTOs know no scope names (they are the host's): the document lists this app's. */
export function documentApiKeyScopes(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  for (const name of ['CreateApiKeyDto', 'ApiKeyResponse', 'ApiKeyCreatedResponse']) {
    const scopes = (schemas[name] as { properties?: Record<string, SchemaWithItems> } | undefined)
      ?.properties?.scopes;
    if (scopes?.items) {
      scopes.items.enum = [...WEATHER_SCOPES];
      scopes.maxItems = WEATHER_SCOPES.length;
    }
  }
  return document;
}

interface SchemaWithItems {
  maxItems?: number;
  items?: { enum?: string[] };
}
