// A device's file as the phone would get it now, rendered for a person: secrets masked unless asked.
// Used by the config preview and by "changed since the phone last fetched" (server/audit/).
import { notFound } from '../http/errors.js';
import type { KazooDevice } from '../kazoo/directory.js';
import { normalizeMac } from '../kazoo/mac.js';
import { deviceModel, maskedModel } from '../render/model.js';
import { renderFile, type Rendered } from '../render/pipeline.js';
import type { Services } from '../services.js';
import { deviceSettings, filesOf, fileNameFor } from './files.js';
import { resolvePhoneFiles } from './resolve.js';
import { withFirmware } from './phone-files.js';
import type { FileSpec, TemplateDoc } from '../catalog/types.js';

export const templateOfDevice = (s: Services, d: KazooDevice): TemplateDoc | undefined => {
  const p = d.provision || {};
  return p.endpoint_brand ? s.catalog.template(p.endpoint_brand, p.endpoint_family, p.endpoint_model) : undefined;
};

/** Bodies as text, in the template's encoding. */
export const textOf = (t: TemplateDoc | undefined, body: Buffer) => body.toString(t?.format?.encoding === 'latin1' ? 'latin1' : 'utf8');

export async function renderPreview(s: Services, accountId: string, device: KazooDevice, fileName: string, reveal: boolean):
  Promise<{ spec: FileSpec; template: TemplateDoc; rendered: Rendered; text: string }> {
  const mac = normalizeMac(device.mac_address);
  const t = templateOfDevice(s, device);
  if (!mac || !t) throw notFound('this device has no MAC address or no catalog template');
  const profile = s.catalog.profile(t.endpoint_brand);
  const spec = filesOf(t, profile).find((f) => fileNameFor(f, mac, profile) === fileName);
  if (!spec) throw notFound(`${t._id} has no file ${fileName}; GET …/config lists its files`);
  const resolved = await resolvePhoneFiles(s, mac);
  if (!resolved.ok || resolved.data.accountId !== accountId) {
    throw notFound(`the phone ${mac} is not served (${resolved.ok ? 'another account claims the MAC' : resolved.reason})`);
  }
  const model = deviceModel(s.app.config, t, profile, withFirmware(s, resolved.data, t), deviceSettings(s, resolved.data, t, spec, profile));
  const rendered = renderFile(t, profile, spec, fileName, reveal ? model : maskedModel(model));
  return { spec, template: t, rendered, text: textOf(t, rendered.body) };
}
