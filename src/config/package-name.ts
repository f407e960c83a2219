// npm's rules for a package name (validate-npm-package-name, new packages): lowercase, URL-safe, ≤ 214 chars.
const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

export function isValidPackageName(name: string): boolean {
  return name.length > 0 && name.length <= 214 && NPM_NAME.test(name);
}

/**
 * The package a bare specifier names (`lodash/fp` → `lodash`, `@s/p/x` → `@s/p`), or undefined when the
 * specifier is relative, absolute, a URL or a `#` import.
 */
export function getPackageName(specifier: string): string | undefined {
  const first = specifier.charCodeAt(0);
  // '.', '/', '#', and anything with a scheme (node:, file:, data:) are never packages.
  if (first === 46 || first === 47 || first === 35 || specifier.includes(':')) return undefined;
  const slash = specifier.indexOf('/');
  if (first === 64 /* @ */) {
    if (slash < 0) return undefined;
    const second = specifier.indexOf('/', slash + 1);
    return second < 0 ? specifier : specifier.slice(0, second);
  }
  return slash < 0 ? specifier : specifier.slice(0, slash);
}
