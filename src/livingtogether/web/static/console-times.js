/* livingtogether staff console: while a session's day and times are typed in the
 * host zone, shows the same times in the other cities' zones (the list the server
 * rendered, data-lt-zone on each item). The form works without it: the server
 * shows the times after each save. No inline script: a static file, under the
 * console's Content-Security-Policy. */
(function () {
  "use strict";
  var formats = {};
  function parts(zone, ms) {
    var format = formats[zone];
    if (!format) {
      format = formats[zone] = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit",
        day: "2-digit", hour: "2-digit", minute: "2-digit"
      });
    }
    var found = {};
    var list = format.formatToParts(new Date(ms));
    for (var i = 0; i < list.length; i++) found[list[i].type] = list[i].value;
    return {
      day: found.year + "-" + found.month + "-" + found.day,
      clock: (found.hour === "24" ? "00" : found.hour) + ":" + found.minute,
      wall: Date.UTC(+found.year, +found.month - 1, +found.day, +found.hour % 24, +found.minute)
    };
  }
  // The UTC instant of wall time day + clock in zone; null if the clocks skip it.
  function instant(day, clock, zone) {
    var d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day), c = /^(\d{1,2}):(\d{2})/.exec(clock);
    if (!d || !c || +c[1] > 23 || +c[2] > 59) return null;
    var wall = Date.UTC(+d[1], +d[2] - 1, +d[3], +c[1], +c[2]);
    var guess = wall - (parts(zone, wall).wall - wall);
    var ms = wall - (parts(zone, guess).wall - guess);
    // the earlier of two readings of a repeated hour, as the server takes it
    var earlier = ms - 3600000;
    if (parts(zone, earlier).wall === wall) ms = earlier;
    return parts(zone, ms).wall === wall ? ms : null;
  }
  function nextDay(day) {
    var d = new Date(Date.parse(day + "T00:00:00Z") + 86400000);
    return d.toISOString().slice(0, 10);
  }
  function update(form) {
    var field = function (name) { return form.querySelector("[name='" + name + "']"); };
    var day = field("day"), start = field("start"), end = field("end"), own = field("zone");
    var zone = (own && own.value.trim()) || form.getAttribute("data-lt-host-zone");
    var items = form.querySelectorAll("[data-lt-zone]");
    if (!day || !start || !end || !zone) return;
    var from = null, to = null;
    try {
      from = instant(day.value, start.value, zone);
      to = instant(end.value === "00:00" ? nextDay(day.value) : day.value, end.value, zone);
    } catch (error) {
      return;  // an unknown zone being typed: keep what the server showed
    }
    for (var i = 0; i < items.length; i++) {
      var out = items[i].querySelector("[data-lt-time]");
      if (!out) continue;
      if (from === null || to === null || to <= from) {
        out.textContent = "\u2013";
        continue;
      }
      var other = items[i].getAttribute("data-lt-zone");
      var a = parts(other, from), b = parts(other, to);
      out.textContent = (a.day !== day.value ? a.day + " " : "") + a.clock + "\u2013" + b.clock;
    }
  }
  function watch(form) {
    var run = function () { update(form); };
    form.addEventListener("input", run);
    form.addEventListener("change", run);
  }
  function start() {
    var forms = document.querySelectorAll("form[data-lt-host-zone]");
    for (var i = 0; i < forms.length; i++) watch(forms[i]);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
