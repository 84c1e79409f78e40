// GET /prov/fw/<id>/<any name>: a firmware image, streamed from its CouchDB attachment (never held in
// memory), with ETag and one-range Range support so phones can resume. No credentials: firmware
// images are the vendor's public downloads, and the id is 128 random bits, so nothing can be listed
// or guessed. The file name is the phone's to choose (Grandstream asks for "<model>fw.bin" under the
// server path it is given).
import Router from '@koa/router';
import { pipeline, Transform } from 'node:stream';
import { byteRange } from '../http/range.js';
import { ATTACHMENT, FIRMWARE_PREFIX, type FirmwareCatalog } from '../firmware/catalog.js';
import type { AppContext } from '../context.js';

/** Passes bytes start..end (inclusive) of what flows through, and stops reading after them. */
function slice(start: number, end: number): Transform {
  let pos = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const from = Math.max(0, start - pos);
      const to = Math.min(chunk.length, end + 1 - pos);
      pos += chunk.length;
      cb(null, to > from ? chunk.subarray(from, to) : undefined);
      if (pos > end) this.push(null);
    },
  });
}

export function firmwareDownloadRouter(app: AppContext, firmware: FirmwareCatalog): Router {
  const router = new Router({ prefix: '/prov/fw' });
  router.get('/:id/:file', async (ctx) => {
    const id = ctx.params.id;
    const f = /^[0-9a-f]{32}$/.test(id) ? firmware.file(id) : undefined;
    if (!f) { ctx.status = 404; ctx.type = 'text/plain'; ctx.body = 'Not Found\n'; return; }
    const etag = `"${f.sha256}"`;
    ctx.set('ETag', etag);
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('Cache-Control', 'no-cache');
    if (ctx.get('if-none-match').split(/\s*,\s*/).includes(etag)) { ctx.status = 304; return; }
    // If-Range naming another version: the whole (new) file, never a piece of it spliced onto the old.
    const ifRange = ctx.get('if-range');
    const range = byteRange(ifRange && ifRange !== etag ? undefined : ctx.get('range'), f.size);
    if (range.kind === 'unsatisfiable') {
      ctx.status = 416;
      ctx.set('Content-Range', `bytes */${f.size}`);
      ctx.type = 'text/plain';
      ctx.body = 'Range Not Satisfiable\n';
      return;
    }
    ctx.type = f.content_type;
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      ctx.length = f.size;
      return;
    }
    const unreadable = (err: Error) => app.log.error({ firmware: id, err: err.message }, 'firmware image not readable from CouchDB');
    const stream = await app.couch.attachment(app.names.state, FIRMWARE_PREFIX + id, ATTACHMENT);
    if (range.kind === 'partial') {
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${f.size}`);
      ctx.length = range.end - range.start + 1;
      // pipeline, not pipe: a body CouchDB breaks off ends the answer too, instead of leaving it open.
      ctx.body = pipeline(stream, slice(range.start, range.end), (err) => { if (err) unreadable(err); });
    } else {
      ctx.status = 200;
      ctx.length = f.size;
      stream.on('error', unreadable);
      ctx.body = stream;
    }
  });
  return router;
}
