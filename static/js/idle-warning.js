/* A warning before the idle logout, with a way to stay signed in.
 *
 * The server ends a session after SESSION_IDLE_SECONDS without a request (SESSION_COOKIE_AGE, saved on every request).
 * base.html renders the closed <dialog id="idle-warning"> with the limit and the keep-alive address; this script opens
 * it data-warn-seconds before the limit. "Stay signed in" posts to the keep-alive address (which saves the session, so
 * its idle clock starts again) and closes the dialog; Escape does the same. "Log out" submits the page's log-out form.
 * When the limit passes with no answer, the page is loaded again, which shows the log-in page. Without JavaScript the
 * dialog stays closed and nothing else changes. */
(function () {
  "use strict";
  var dialog = document.getElementById("idle-warning");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var idleMs = parseInt(dialog.dataset.idleSeconds, 10) * 1000;
  var warnMs = parseInt(dialog.dataset.warnSeconds, 10) * 1000;
  var url = dialog.dataset.keepaliveUrl;
  var stay = dialog.querySelector("[data-idle-stay]");
  var status = dialog.querySelector("[data-idle-status]");
  if (!(idleMs > 0) || !url || !stay) return;
  var warnTimer = null;
  var endTimer = null;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(warn, Math.max(idleMs - warnMs, 0));
    endTimer = setTimeout(ended, idleMs);
  }

  function warn() {
    if (status) status.textContent = "";
    if (!dialog.open) dialog.showModal();
    stay.focus();
  }

  function ended() {
    // The server has ended the session: a fresh load of this address shows the log-in page.
    window.location.assign(window.location.href.split("#")[0]);
  }

  function keepAlive() {
    stay.disabled = true;
    fetch(url, {method: "POST", credentials: "same-origin",
                headers: {"X-CSRFToken": csrfToken(), "X-Requested-With": "fetch"}})
      .then(function (response) {
        if (response.status === 204) {
          dialog.close();
          schedule();
        } else {
          ended();
        }
      })
      .catch(function () {
        if (status) status.textContent = "The portal could not be reached. Try again.";
      })
      .then(function () { stay.disabled = false; });
  }

  stay.addEventListener("click", keepAlive);
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    keepAlive();
  });
  schedule();
})();
