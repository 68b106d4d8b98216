// Live-ish refresh: every element with data-refresh="/url" is re-rendered by the server
// (escaped HTML) every 10 seconds. No inline script anywhere (Content-Security-Policy).
"use strict";
function toLatest(el) {
  if (el.classList.contains("turns")) { el.scrollTop = el.scrollHeight; }
}
document.querySelectorAll("[data-refresh]").forEach(function (el) {
  toLatest(el);
  setInterval(function () {
    fetch(el.dataset.refresh, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && html !== el.dataset.last) {
          el.dataset.last = html;
          el.innerHTML = html;
          toLatest(el);
        }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }, 10000);
});
