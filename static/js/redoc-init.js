// Starts Redoc on /api/redoc/ (templates/drf_spectacular/redoc.html): the schema's address is in the container's
// data-spec-url attribute, so the page needs no inline script under the Content-Security-Policy. Redoc writes its
// styles as <style> elements; it puts this script's nonce on them, which the page's policy allows (api/docs.py).
"use strict";
(function () {
  var container = document.getElementById("redoc-container");
  var nonce = document.currentScript && document.currentScript.nonce;
  if (container && window.Redoc) {
    window.Redoc.init(container.getAttribute("data-spec-url"), nonce ? { nonce: nonce } : {}, container);
  }
})();
