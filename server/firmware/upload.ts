// A firmware file streamed from the request into a CouchDB attachment, hashed on the way: never held
// in memory. The document is written first, marked pending (never listed or served), then the bytes;
// a body over the limit or a SHA-256 other than the one the uploader expected deletes it again.
import { createHash, randomBytes } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import { removeCurrent } from '../couch/client.js';
import { badRequest, HttpError } from '../http/errors.js';
import { ATTACHMENT, FIRMWARE_PREFIX, type FirmwareDoc } from './catalog.js';

export const MAX_FIRMWARE_BYTES = 512 * 1024 * 1024;

export interface UploadMeta {
  brand: string; models: string[]; version: string; file_name: string; content_type: string;
  expected_sha256: string | null; uploaded_by: string;
}

const tooLarge = (limit: number) => new HttpError(413, 'too_large', `a firmware file may be at most ${limit} bytes`);

class Meter extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  over = false;
  constructor(private limit: number) { super(); }
  _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.size += chunk.length;
    if (this.size > this.limit) { this.over = true; cb(tooLarge(this.limit)); return; }
    this.hash.update(chunk);
    cb(null, chunk);
  }
}

export async function storeFirmware(app: AppContext, body: Readable, meta: UploadMeta, limit = MAX_FIRMWARE_BYTES): Promise<FirmwareDoc> {
  const id = FIRMWARE_PREFIX + randomBytes(16).toString('hex');
  const db = app.bulk.stateDb;
  const pending: FirmwareDoc = {
    _id: id, pvt_type: 'firmware', brand: meta.brand, models: meta.models, version: meta.version, file_name: meta.file_name,
    content_type: meta.content_type, size: 0, sha256: '', uploaded_at: app.now(), uploaded_by: meta.uploaded_by, pending: true,
  };
  const { rev } = await db.insert(pending);
  const meter = new Meter(limit);
  body.on('error', (err) => meter.destroy(err));
  try {
    await db.attachment.insert(id, ATTACHMENT, body.pipe(meter), meta.content_type, { rev });
  } catch (err) {
    await removeCurrent(db, id).catch(() => {});
    if (meter.over) throw tooLarge(limit);
    throw err;
  }
  const sha256 = meter.hash.digest('hex');
  if (meter.size === 0) {
    await removeCurrent(db, id);
    throw badRequest('the firmware file is empty: send its bytes as the request body');
  }
  if (meta.expected_sha256 && meta.expected_sha256 !== sha256) {
    await removeCurrent(db, id);
    throw badRequest(`the uploaded bytes have SHA-256 ${sha256}, not the expected ${meta.expected_sha256}; nothing was stored — upload the file again`,
      { sha256, expected_sha256: meta.expected_sha256 });
  }
  // The attachment stub written back unchanged keeps the bytes; only the metadata changes.
  const stored = await db.get(id);
  const done: FirmwareDoc = { ...(stored as FirmwareDoc), size: meter.size, sha256, pending: undefined };
  delete done.pending;
  const res = await db.insert(done);
  return { ...done, _rev: res.rev };
}
