// One error type for every HTTP surface. Routes throw; the error middleware writes the body in the
// shape the surface speaks (Kazoo envelope on /api, plain text for phones).
export class HttpError extends Error {
  constructor(public status: number, public code: string, message: string, public data: Record<string, unknown> = {}) {
    super(message);
  }
}

export const badRequest = (message: string, data: Record<string, unknown> = {}) =>
  new HttpError(400, 'bad_request', message, data);
export const notFound = (message: string, data: Record<string, unknown> = {}) =>
  new HttpError(404, 'not_found', message, data);
export const conflict = (message: string, data: Record<string, unknown> = {}) =>
  new HttpError(409, 'conflict', message, data);
