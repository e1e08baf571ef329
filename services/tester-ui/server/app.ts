// The tester page's HTTP server: /api/* goes to the API with the prefix stripped (so the
// page needs no CORS), everything else is the built page. Responses are piped as they
// arrive, so the API's Server-Sent Events reach the browser one by one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:http';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { Logger } from 'pino';
import sirv from 'sirv';
import type { UiServerConfig } from './config.js';

/** The body the page reads as "API unreachable" (src/api/errors.ts). */
function unreachableBody(apiUrl: URL, cause: Error): string {
  const reason = (cause as NodeJS.ErrnoException).code ?? cause.message;
  return JSON.stringify({
    error: {
      code: 'api_unreachable',
      message: `No answer from the API at ${apiUrl.origin} (${reason})`,
      details: [],
    },
  });
}

export function createUiServer(config: UiServerConfig, log?: Logger): Server {
  const forwardToApi = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: config.apiUrl.href,
    changeOrigin: true,
    // X-Forwarded-For names the browser, so an API with TRUST_PROXY counts each viewer apart.
    xfwd: true,
    pathRewrite: (path) => path.replace(/^\/api/, '') || '/',
    on: {
      proxyRes: (proxyRes, _req, res) => {
        // http-proxy leaves the browser's response open when the API's breaks off mid-way
        // (the API died during an event stream); cutting it lets the page see it and reconnect.
        proxyRes.once('close', () => {
          if (!proxyRes.complete) res.destroy();
        });
      },
      error: (error, req, res) => {
        log?.warn({ err: error, url: req.url }, 'API unreachable');
        // For a plain request `res` is the response; it is a socket only for WebSocket upgrades.
        if (!('writeHead' in res) || res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(502, { 'Content-Type': 'application/json' });
        res.end(unreachableBody(config.apiUrl, error));
      },
    },
  });
  const servePage = sirv(config.publicDir, { single: true, etag: true });

  return createServer((req, res) => {
    const isApi =
      req.url === '/api' || req.url?.startsWith('/api/') || req.url?.startsWith('/api?');
    const next = () => {
      res.statusCode = 404;
      res.end('Not found');
    };
    if (isApi) void forwardToApi(req, res, next);
    else servePage(req, res, next);
  });
}
