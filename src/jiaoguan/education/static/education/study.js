// Heartbeats of an open course page (jiaoguan.education): every data-interval seconds the page
// tells the server whether it is visible and the learner was active in the last data-idle
// seconds; the server decides what counts. An identity check asked by the server reloads the
// page, which then shows the check.
(function () {
  "use strict";
  var el = document.getElementById("study");
  if (!el) { return; }
  var url = el.dataset.heartbeat;
  var interval = parseInt(el.dataset.interval, 10) * 1000;
  var idle = parseInt(el.dataset.idle, 10) * 1000;
  var csrf = el.dataset.csrf;
  var tab = Math.random().toString(36).slice(2, 14);
  var last = Date.now();
  var counted = document.querySelector("[data-testid=counted-minutes]");
  var today = document.querySelector("[data-testid=today-minutes]");
  var status = document.querySelector("[data-testid=beat-status]");
  ["mousemove", "keydown", "scroll", "touchstart", "click"].forEach(function (name) {
    window.addEventListener(name, function () { last = Date.now(); }, { passive: true });
  });
  function beat() {
    var active = document.visibilityState === "visible" && Date.now() - last < idle;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ tab: tab, active: active })
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
      if (!d) { return; }
      counted.textContent = String(Math.floor(d.counted_seconds / 60));
      today.textContent = String(Math.floor(d.today_seconds / 60));
      var label = "label" + d.status.charAt(0).toUpperCase() + d.status.slice(1);
      status.textContent = el.dataset[label] || d.status;
      status.dataset.status = d.status;
      if (d.check) { window.location.reload(); }
    }).catch(function () { status.textContent = "offline"; });
  }
  beat();
  window.setInterval(beat, interval);
})();
