// SessionTalk: the management API under /api/accounts/{accountId}/sessiontalk and the External
// Provisioning endpoint SessionCloud calls. Not built yet.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Services } from '../services.js';

export function sessiontalkRouters(_s: Services, _auth: Middleware): Router[] {
  return [];
}
