// Regular expressions built from catalog data (file-name patterns, User-Agent patterns), compiled once
// rather than on every phone request. The sources are few and admin-written; the map is bounded all
// the same. No flags: a cached RegExp then keeps no state between uses (lastIndex).
const compiled = new Map<string, RegExp>();
const MAX = 1000;

/** `key` names what the expression is for (and its data); `source` builds it when it is not compiled yet. */
export function cachedRegex(key: string, source: () => string): RegExp {
  let re = compiled.get(key);
  if (!re) {
    if (compiled.size >= MAX) compiled.clear();
    compiled.set(key, (re = new RegExp(source())));
  }
  return re;
}
