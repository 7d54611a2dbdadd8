// GET /docs: the OpenAPI document rendered by Swagger UI, served from node_modules (no CDN: works offline).
import path from 'node:path';
import express, { type Router } from 'express';

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** The only files of swagger-ui-dist the page needs. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>taskgate API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to an online validator.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout',
});
`;

/** Everything comes from this gateway: the page's policy forbids loading anything from elsewhere. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export function docsRouter(): Router {
  const router = express.Router();
  const page = (_req: express.Request, res: express.Response) => {
    res.set('Content-Security-Policy', CSP).set('Cache-Control', 'no-cache').type('html').send(PAGE);
  };
  router.get('/docs', page);
  router.get('/docs/', page);
  router.get('/docs/assets/init.js', (_req, res) => void res.set('Cache-Control', 'no-cache').type('text/javascript; charset=utf-8').send(INIT));
  router.get('/docs/assets/:file', (req, res, next) => {
    const file = String(req.params.file);
    if (!Object.hasOwn(ASSETS, file)) return next();
    res.set('Cache-Control', 'public, max-age=86400').type(ASSETS[file]!).sendFile(path.join(SWAGGER_UI_DIR, file));
  });
  return router;
}
