// What this Node can do for ES module interception, decided once from process.versions.node.

function parse(version: string): [number, number] {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return [major, minor];
}

function atLeast(version: string, floors: [number, number][]): boolean {
  const [major, minor] = parse(version);
  for (const [floorMajor, floorMinor] of floors) {
    if (major === floorMajor) return minor >= floorMinor;
  }
  const last = floors[floors.length - 1];
  return last !== undefined && major > last[0];
}

export type NodeSupport = {
  /**
   * `module.registerHooks`: synchronous, in-thread resolve/load hooks for `import` and `require`.
   * https://nodejs.org/api/module.html#moduleregisterhooksoptions (added in 23.5.0, backported to 22.15.0)
   */
  registerHooks: boolean;
  /**
   * `require()` of an ES module without a flag, returning the namespace of the instance every importer shares.
   * https://nodejs.org/api/modules.html#loading-ecmascript-modules-using-require (20.19.0, 22.12.0, 23.0.0)
   */
  requireEsm: boolean;
};

export function getNodeSupport(version = process.versions.node): NodeSupport {
  return {
    registerHooks: atLeast(version, [
      [22, 15],
      [23, 5],
    ]),
    requireEsm: atLeast(version, [
      [20, 19],
      [21, 99],
      [22, 12],
    ]),
  };
}
