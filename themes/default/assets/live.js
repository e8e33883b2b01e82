// Live coverage: while the page is in view, asks every 15 seconds for the entries (a
// page of their own, which the site's cache answers until one changes) and puts them
// in place, saying how many are new. Without this script a reload shows them.
(function () {
  "use strict";
  var list = document.querySelector("[data-live-entries]");
  if (!list || !window.fetch) return;
  var url = list.getAttribute("data-live-entries");
  var status = document.getElementById("live-status");
  var last = null;
  function ids() {
    return Array.prototype.map.call(list.querySelectorAll(".live-entry"), function (e) { return e.id; });
  }
  function poll() {
    if (document.hidden) return;
    fetch(url, { credentials: "omit", cache: "no-cache" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || html === last) return;
        last = html;
        var before = ids();
        list.innerHTML = html;
        var fresh = ids().filter(function (id) { return before.indexOf(id) < 0; });
        fresh.forEach(function (id) { document.getElementById(id).classList.add("live-new"); });
        if (fresh.length && status) {
          status.textContent = fresh.length === 1 ? "1 new update." : fresh.length + " new updates.";
        }
      })
      .catch(function () { /* the next turn asks again */ });
  }
  setInterval(poll, 15000);
  document.addEventListener("visibilitychange", poll);
})();
