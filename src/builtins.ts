// The preloader reaches builtins through process.getBuiltinModule (Node ≥ 20.16): an ESM `import` of
// node:fs builds a facade that reads every export, lazy getters included (fs.ReadStream loads the whole
// streams stack: ~3.5 ms of every start). https://nodejs.org/api/process.html#processgetbuiltinmoduleid
export const fs = process.getBuiltinModule('node:fs');
export const path = process.getBuiltinModule('node:path');
export const util = process.getBuiltinModule('node:util');
export const os = process.getBuiltinModule('node:os');
export const Module = process.getBuiltinModule('node:module');
