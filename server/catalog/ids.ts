// The exact shapes of catalog ids (schemas.ts enforces them on every write; routes check them
// before any read, so a request can name nothing else).
export const TEMPLATE_ID = /^ui\/[a-z]+\/[a-z0-9_-]+\/[A-Za-z0-9_-]+$/;
export const PROFILE_ID = /^profile\/[a-z]+$/;
export const BRAND_KEY = /^[a-z]+$/;
