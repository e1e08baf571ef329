// GET /openapi.json: valid OpenAPI 3.1 (checked with a maintained validator), naming every route
// the app serves, with the payload schema of each registered job type.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startApi, type ApiFixture, type Json } from './api-fixture';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

test('is valid OpenAPI 3.1 and describes every route the API serves', async () => {
  const declared = await api.call('PUT', '/job-types/resize_image', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      payload_schema: {
        type: 'object',
        required: ['width'],
        properties: { width: { type: 'integer', minimum: 1 } },
      },
    }),
  });
  expect(declared.status).toBe(200);

  const reply = await api.get('/openapi.json');
  expect(reply.status).toBe(200);
  const document = reply.body;
  const checked = execFileSync(process.execPath, [join(__dirname, 'validate-openapi.mjs')], {
    input: JSON.stringify(document),
  });
  expect(JSON.parse(checked.toString())).toEqual({ valid: true, version: '3.1' });

  const served = api.app.router.stack.flatMap((layer) =>
    layer.methods
      .filter((method) => method !== 'HEAD')
      .map((method) => `${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
  );
  const described = Object.entries(document.paths as Record<string, Json>).flatMap(
    ([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
  expect(served.length).toBeGreaterThan(15);
  expect(described.sort()).toEqual([...new Set(served)].sort());

  expect(document.components.schemas['Payload.resize_image']).toEqual({
    type: 'object',
    required: ['width'],
    properties: { width: { type: 'integer', minimum: 1 } },
  });
  expect(document.components.schemas['Payload.send_email'].properties.to).toBeDefined();
});
