// A `vscode` module in which every member is an empty class: enough for modules to load.
const handler: ProxyHandler<object> = {
  get: (_target, prop) => (prop === '__esModule' ? false : class {}),
};
module.exports = new Proxy({}, handler);
