/* livingtogether programme widget: adds each session's time in the reader's own
 * time zone. The widget is complete without it; this only adds one line per
 * session, labelled in the widget's language (data-lt-local-label). */
(function () {
  "use strict";
  function addLocalTimes(root) {
    var label = root.getAttribute("data-lt-local-label") || "Your time";
    // the separators of the widget's language: French "\u00a0: ", Arabic "\u060c "
    var colon = root.getAttribute("data-lt-colon") || ": ";
    var comma = root.getAttribute("data-lt-comma") || ", ";
    var lang = root.getAttribute("lang") || undefined;
    var clock, day, zone;
    try {
      clock = new Intl.DateTimeFormat(lang, { hour: "numeric", minute: "2-digit" });
      day = new Intl.DateTimeFormat(lang, { weekday: "short", day: "numeric", month: "short" });
      zone = new Intl.DateTimeFormat(lang, { timeZoneName: "short" });
    } catch (error) {
      return;
    }
    var lists = root.querySelectorAll("ul.lt-times[data-lt-start]");
    // A few sessions at a time, yielding between batches, so that a long
    // programme never holds the page's main thread (a phone stays responsive).
    var next = 0;
    function batch() {
      var stop = Math.min(next + 24, lists.length);
      for (; next < stop; next++) addOne(lists[next]);
      if (next < lists.length) setTimeout(batch, 0);
    }
    function addOne(list) {
      if (list.querySelector(".lt-times__local")) return;
      var start = new Date(list.getAttribute("data-lt-start"));
      var end = new Date(list.getAttribute("data-lt-end"));
      if (isNaN(start.getTime()) || isNaN(end.getTime())) return;
      var name = "";
      var parts = zone.formatToParts(start);
      for (var j = 0; j < parts.length; j++) {
        if (parts[j].type === "timeZoneName") name = parts[j].value;
      }
      var item = document.createElement("li");
      item.className = "lt-times__local";
      // The reader's day may differ from the host's: say which day, for the end too
      // when the session ends on the next one.
      var first = day.format(start), last = day.format(end);
      item.textContent = label + colon + first + comma + clock.format(start) + "\u2013" +
        (last !== first ? last + comma : "") + clock.format(end) + (name ? " " + name : "");
      list.appendChild(item);
    }
    batch();
  }
  function run() {
    var roots = document.querySelectorAll(".lt-widget--programme");
    for (var i = 0; i < roots.length; i++) addLocalTimes(roots[i]);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
