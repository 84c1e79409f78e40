// No refusal is answered sooner than a floor after its request arrived, plus a little jitter: the
// time an answer takes must not tell why it was refused (an unknown tenant answers from memory, a
// known one after reading CouchDB). Used by the phone files and SessionTalk's provisioning endpoint.
export async function settleRefusal(startedMs: number, floorMs: number): Promise<void> {
  const wait = floorMs + Math.random() * Math.min(20, floorMs / 10) - (Date.now() - startedMs);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
