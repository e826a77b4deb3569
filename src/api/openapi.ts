// GET /openapi.json: the OpenAPI 3 document @fastify/swagger builds from the routes' zod schemas
// (the very schemas requests are validated with), so the document cannot drift from the server.

import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { VERSION } from '../version.ts';

/** Call on the root instance, before the routes it should describe are registered. */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'ovncp-monitor trace API',
        version: VERSION,
        description: 'On-demand packet traces through an OVN logical network.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** Route options that describe a route in /openapi.json without a schema (the handler validates). */
export function routeDoc(tag: string, summary: string, description?: string) {
  return { schema: { tags: [tag], summary, ...(description ? { description } : {}) } };
}
