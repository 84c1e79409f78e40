// Where each brand's files tell the phone to fetch its configuration next time, read the way the
// vendor's document says the phone reads it. Used by the cross-brand URL test and the golden facts.
import type { RenderedFile } from './render-seed.js';
import { plainValues } from './render-seed.js';

export interface Target { scheme: string; host: string; port: number; path: string; file: string }

const defaultPort = (scheme: string) => (scheme === 'https' ? 443 : 80);

/** A full URL as the phone reads it (user:password@ and a trailing file name allowed). */
export function fromUrl(url: string, file: string): Target {
  const u = new URL(url);
  const scheme = u.protocol.replace(':', '');
  return { scheme, host: u.hostname, port: u.port ? Number(u.port) : defaultPort(scheme), path: decodeURIComponent(u.pathname), file };
}

/** "host[:port]/path" with the scheme given separately (Polycom serverName, Grandstream/Htek P237, Fanvil). */
export function fromHostPath(scheme: string, hostPath: string, file: string): Target {
  if (/^[a-z]+:\/\//i.test(hostPath)) {
    // A scheme inside the host field: the phone prefixes its own and builds "https://https://…".
    return { scheme: `${scheme}+embedded`, host: hostPath, port: 0, path: '', file };
  }
  return fromUrl(`${scheme}://${hostPath}`, file);
}

/** Text of the first element named `tag` (attributes allowed). */
export function xmlText(text: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]*)</${tag}>`).exec(text);
  return m ? m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>') : undefined;
}

export function xmlAttr(text: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name.replace(/\./g, '\\.')}="([^"]*)"`).exec(text);
  return m ? m[1].replace(/&amp;/g, '&') : undefined;
}

/** Every provisioning-server setting in one file, per brand. */
export const NEXT_SERVER: Record<string, (f: RenderedFile) => Target[]> = {
  // Yealink admin guide, Auto Provisioning: static.auto_provision.server.url is the full URL.
  yealink: (f) => {
    const v = plainValues(f.text, /\s*=\s*/).get('static.auto_provision.server.url');
    return v ? [fromUrl(v, f.name)] : [];
  },
  // snom: setting_server is the full URL of the settings file.
  snom: (f) => {
    const v = xmlText(f.text, 'setting_server');
    return v ? [fromUrl(v, f.name)] : [];
  },
  // Polycom UC Software admin guide: device.prov.serverType (HTTP/HTTPS) + device.prov.serverName (host[:port]/path).
  polycom: (f) => {
    const type = xmlAttr(f.text, 'device.prov.serverType');
    const name = xmlAttr(f.text, 'device.prov.serverName');
    return type && name ? [fromHostPath(type.toLowerCase(), name, f.name)] : [];
  },
  // Cisco: Profile_Rule is a URL, optionally preceded by [--options].
  cisco: (f) => {
    const v = xmlText(f.text, 'Profile_Rule');
    return v ? [fromUrl(v.replace(/^\[[^\]]*\]\s*/, ''), f.name)] : [];
  },
  // Panasonic: CFG_STANDARD_FILE_PATH is a URL.
  panasonic: (f) => {
    const v = plainValues(f.text, /\s*=\s*/).get('CFG_STANDARD_FILE_PATH');
    return v ? [fromUrl(v, f.name)] : [];
  },
  // Aastra/Mitel guide: download protocol picks which of http/https server, path and port apply.
  mitel: (f) => {
    const v = plainValues(f.text, /:\s*/);
    const proto = v.get('download protocol')?.toLowerCase();
    if (!proto) return [];
    const host = v.get(`${proto} server`) || '';
    const port = Number(v.get(`${proto} port`) || defaultPort(proto));
    return [{ scheme: proto, host, port, path: `/${v.get(`${proto} path`) || ''}`, file: f.name }];
  },
  // Grandstream/Htek: P212 chooses the protocol (1 HTTP, 2 HTTPS), P237 is host[:port]/path.
  grandstream: (f) => gsLike(f),
  htek: (f) => gsLike(f),
  // Fanvil: FlashProtocol chooses the protocol (4 HTTP, 5 HTTPS), FlashServerIP the server.
  fanvil: (f) => {
    const proto = xmlText(f.text, 'FlashProtocol');
    const server = xmlText(f.text, 'FlashServerIP');
    if (proto === undefined || server === undefined) return [];
    const scheme = proto === '4' ? 'http' : proto === '5' ? 'https' : `protocol-${proto}`;
    // A URL in FlashServerIP carries its own scheme; it must agree with FlashProtocol.
    if (/^[a-z]+:\/\//i.test(server)) {
      const t = fromUrl(server, f.name);
      return [t.scheme === scheme ? t : { ...t, scheme: `${scheme}≠${t.scheme}` }];
    }
    return [fromHostPath(scheme, server, f.name)];
  },
};

function gsLike(f: RenderedFile): Target[] {
  const via = xmlText(f.text, 'P212');
  const path = xmlText(f.text, 'P237');
  if (path === undefined) return [];
  const scheme = via === '1' ? 'http' : via === '2' ? 'https' : `P212=${via ?? 'missing'}`;
  return [fromHostPath(scheme, path, f.name)];
}
