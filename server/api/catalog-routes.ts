// Monster UI's two public, read-only catalog endpoints.
import Router from '@koa/router';
import type { Services } from '../services.js';
import { notFound } from '../http/errors.js';
import { uiForm } from '../catalog/ui-form.js';
import { ok } from './envelope.js';

export function catalogRouter(s: Services): Router {
  const router = new Router({ prefix: '/api' });
  router.get(['/phones', '/phones/'], (ctx) => {
    ok(ctx, s.catalog.phoneTree());
  });
  router.get('/ui/:brand/:family/:model', (ctx) => {
    const { brand, family, model } = ctx.params;
    const t = s.catalog.template(brand, family, model);
    if (!t) throw notFound(`no template for ${brand}/${family}/${model}; GET /api/phones lists the known models`);
    ok(ctx, uiForm(t));
  });
  return router;
}
