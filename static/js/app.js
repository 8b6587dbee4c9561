// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // SLA countdowns tick every 30 s without a reload; a clock stopped by a contact stays as it is.
  function span(minutes) {
    if (minutes >= 48 * 60) return Math.floor(minutes / 1440) + " days";
    if (minutes >= 60) return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0") + " min";
    return minutes + " min";
  }
  function tick() {
    document.querySelectorAll("[data-due]:not([data-stopped])").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var seconds = (due - Date.now()) / 1000;
      var minutes = Math.floor(Math.abs(seconds) / 60);
      el.classList.remove("overdue", "due", "ok");
      if (seconds < 0) { el.textContent = "Overdue " + span(minutes); el.classList.add("overdue"); }
      else { el.textContent = "Respond within " + span(minutes); el.classList.add(seconds < 3600 ? "due" : "ok"); }
    });
  }
  tick();
  setInterval(tick, 30000);

  // While a training job runs, the settings page refreshes itself to move the progress bar.
  var running = document.querySelector("[data-refresh-while-running]");
  if (running) {
    setTimeout(function () { window.location.reload(); }, 5000);
  }
})();
