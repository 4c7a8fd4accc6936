"use strict";
// Loaded before Redoc on the Redoc page. Redoc's sidebar footer shows the Redocly logo straight from
// Redocly's CDN, and Redoc has no option to leave it out. This service loads nothing from third parties
// (the Content-Security-Policy blocks it, and each blocked load is reported as a violation), so the logo
// is simply not given that address: the footer keeps its text link.
(() => {
  const blocked = (element, name, value) =>
    element instanceof HTMLImageElement && name === "src" && String(value).startsWith("https://cdn.redoc.ly/");
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (!blocked(this, name, value)) {
      setAttribute.call(this, name, value);
    }
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    ...src,
    set(value) {
      if (!blocked(this, "src", value)) {
        src.set.call(this, value);
      }
    },
  });
})();
