// The provisioner_v5 API Kazoo crossbar calls (devices, accounts, MAC search). Not built yet.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Services } from '../services.js';

export function kazooRouter(_s: Services, _auth: Middleware): Router {
  return new Router({ prefix: '/api' });
}
