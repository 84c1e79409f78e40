// Verifies Kazoo auth tokens with Kazoo's crossbar (GET /v2/auth/tokeninfo). Not built yet: only the
// PROVISION_ADMIN_TOKEN is accepted until this returns a verifier.
import type { Services } from '../services.js';
import type { TokenVerifier } from './auth.js';

export function kazooTokenVerifier(_s: Services): TokenVerifier | null {
  return null;
}
