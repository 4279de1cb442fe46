import { INestApplication, Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { FLOW_THROTTLER, flowOfHandler } from '../security/throttling/rate-limit-flow.decorator';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ProblemDetails } from '../common/problem-details/problem-details';
import { API_KEY_SCHEME, BEARER_SCHEME } from '../security/authorization/openapi-schemes';
import { documentApiKeyScopes } from './api-key-scopes.openapi';
import { applyApiConventions } from './openapi-conventions';
import { withSwaggerUiAssets } from './swagger-ui-assets';

export const DOCS_PATH = 'docs';

/** Swagger UI at /docs and the OpenAPI document at /docs-json. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Weather API')
    .setDescription(
      'Weather stations, observations and daily summaries, behind tested security layers. ' +
        'Errors are RFC 9457 problem+json.',
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'Access token from POST /v1/auth/login: an HS256 JWS handled as RFC8725 recommends (algorithm pinned, iss, aud, exp and typ checked).',
      },
      BEARER_SCHEME,
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, API_KEY_SCHEME)
    .build();
  const document = applyApiConventions(
    documentApiKeyScopes(
      SwaggerModule.createDocument(app, config, { extraModels: [ProblemDetails] }),
    ),
    flowLimitsByOperationId(app),
  );
  withSwaggerUiAssets(app, DOCS_PATH, () =>
    SwaggerModule.setup(DOCS_PATH, app, document, {
      jsonDocumentUrl: `${DOCS_PATH}-json`,
      yamlDocumentUrl: `${DOCS_PATH}-yaml`,
      customSiteTitle: 'Weather API docs',
    }),
  );
}

/**
 * Which named flow limit each operation answers with, read from the same @RateLimitedFlow
 * metadata the throttler reads (Swagger's operationId is `<Controller>_<method>`).
 */
function flowLimitsByOperationId(app: INestApplication): Map<string, string> {
  const flows = new Map<string, string>();
  const scanner = new MetadataScanner();
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as Type | undefined;
    if (!controller) continue;
    for (const method of scanner.getAllMethodNames(controller.prototype as object)) {
      const handler = (controller.prototype as Record<string, object>)[method];
      const flow = flowOfHandler(handler);
      if (flow) flows.set(`${controller.name}_${method}`, FLOW_THROTTLER[flow]);
    }
  }
  return flows;
}
