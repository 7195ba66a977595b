/* livingtogether embed script.
 *
 *   <script src="https://observatory.example/lt/static/embed.js" async></script>
 *   <div data-livingtogether="programme" data-event="izmir-2021"></div>
 *
 * Every element with data-livingtogether="NAME" (cities, city, practices, programme,
 * pledge, counter) is filled with that widget, fetched from the site that serves this
 * script (CORS: that site must list this page's origin in allowed_origins).
 * Other data-* attributes are the widget's parameters: data-event,
 * data-declaration, data-lang, data-q, data-theme, data-city, data-country,
 * data-kind, data-language, data-limit.
 * data-mode="iframe" shows the widget in a frame instead (the serving site must
 * list this page's origin as a frame ancestor: the same allowed_origins); the
 * frame then fits the widget's height, which the widget's page reports
 * (static/frame.js); data-height is its height in pixels until then (600).
 * Forms inside a widget are posted with fetch and the answer replaces the
 * widget, so the reader stays on the page; the widget's own scripts (from the
 * serving site only) are loaded. Without scripts, nothing happens:
 * put a plain link to the widget inside the element as a fallback.
 * window.livingtogether.load(root) fills elements added later.
 */
(function () {
  "use strict";

  var WIDGETS = {
    cities: { path: "/widgets/cities", params: ["lang"] },
    city: { path: "/widgets/cities/{slug}", params: ["lang"] },
    practices: { path: "/widgets/practices", params: ["lang", "q", "theme", "city", "country", "kind", "language", "limit", "offset", "after"] },
    programme: { path: "/widgets/programme/{event}", params: ["lang"] },
    pledge: { path: "/widgets/pledge", params: ["lang", "declaration"] },
    counter: { path: "/widgets/pledge/counter", params: ["lang", "declaration", "city"] }
  };

  var script = document.currentScript;
  var scriptBase = script && script.src ? script.src.replace(/\/static\/embed\.js(\?.*)?$/, "") : "";

  function baseOf(element) {
    return (element.getAttribute("data-base") || scriptBase).replace(/\/+$/, "");
  }

  function addStylesheet(base) {
    var href = base + "/static/livingtogether.css";
    var links = document.querySelectorAll("link[data-livingtogether-css]");
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute("href") === href) return;
    }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.setAttribute("data-livingtogether-css", "");
    document.head.appendChild(link);
  }

  function widgetUrl(element) {
    var name = element.getAttribute("data-livingtogether");
    var widget = WIDGETS[name];
    if (!widget) throw new Error("livingtogether: there is no widget " + JSON.stringify(name));
    var path = widget.path;
    if (path.indexOf("{event}") >= 0) {
      var event = element.getAttribute("data-event");
      if (!event) throw new Error("livingtogether: the programme widget needs data-event");
      path = path.replace("{event}", encodeURIComponent(event));
    }
    if (path.indexOf("{slug}") >= 0) {
      var city = element.getAttribute("data-city");
      if (!city) throw new Error("livingtogether: the city widget needs data-city");
      path = path.replace("{slug}", encodeURIComponent(city));
    }
    var url = new URL(baseOf(element) + path);
    widget.params.forEach(function (name) {
      var value = element.getAttribute("data-" + name);
      if (value) url.searchParams.set(name, value);
    });
    return url;
  }

  /* Links and form actions in the fragment are relative to the serving site. */
  function absolutize(element, base) {
    element.querySelectorAll("form[action]").forEach(function (form) {
      form.setAttribute("action", new URL(form.getAttribute("action"), base).href);
    });
    element.querySelectorAll("a[href]").forEach(function (link) {
      var href = link.getAttribute("href");
      if (href.charAt(0) !== "#") link.setAttribute("href", new URL(href, base).href);
    });
  }

  /* Scripts inserted as HTML do not run: load the widget's own ones again (only
   * those of the serving site; they are written to run more than once). */
  function runScripts(element, base) {
    var origin = new URL(base).origin;
    element.querySelectorAll("script[src]").forEach(function (inert) {
      var src = new URL(inert.getAttribute("src"), base);
      inert.parentNode.removeChild(inert);
      if (src.origin !== origin) return;
      var script = document.createElement("script");
      script.src = src.href;
      script.async = true;
      script.setAttribute("data-livingtogether-script", "");
      document.head.appendChild(script);
    });
  }

  function show(element, html, base) {
    element.innerHTML = html;
    absolutize(element, base);
    runScripts(element, base);
    element.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) { submit(event, element, form, base); });
    });
  }

  function submit(event, element, form, base) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit], button:not([type])");
    if (button) button.disabled = true;
    var body = new URLSearchParams(new FormData(form));
    /* Answered in place: no return to a page (that is the plain form's answer). */
    body.delete("return_to");
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "omit",
      mode: "cors"
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      show(element, html, base);
      /* Move the focus to the answer: the thank-you, or the list of errors. */
      var focus = element.querySelector(".lt-thanks, [role=alert]");
      if (focus) {
        focus.setAttribute("tabindex", "-1");
        focus.focus();
      }
    }).catch(function () {
      /* The fetch failed (network, CORS): post the form the plain way instead. */
      if (button) button.disabled = false;
      form.submit();
    });
  }

  /* The frames this script made; each may report its widget's height. */
  var frames = [];

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.livingtogether !== "height" || typeof data.height !== "number" ||
        !isFinite(data.height)) return;
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow === event.source && new URL(frame.src).origin === event.origin) {
        frame.height = String(Math.max(40, Math.min(Math.round(data.height), 20000)));
        return;
      }
    }
  });

  function fill(element) {
    if (element.getAttribute("data-livingtogether-state")) return;
    element.setAttribute("data-livingtogether-state", "loading");
    var url;
    try {
      url = widgetUrl(element);
    } catch (error) {
      element.setAttribute("data-livingtogether-state", "error");
      if (window.console) window.console.error(error.message);
      return;
    }
    if (element.getAttribute("data-mode") === "iframe") {
      var frame = document.createElement("iframe");
      frame.src = url.href;
      frame.title = element.getAttribute("data-title") || "Living Together: " + element.getAttribute("data-livingtogether");
      frame.loading = "lazy";
      frame.style.width = "100%";
      frame.style.border = "0";
      frame.height = element.getAttribute("data-height") || "600";
      element.innerHTML = "";
      element.appendChild(frame);
      frames.push(frame);
      element.setAttribute("data-livingtogether-state", "ready");
      return;
    }
    addStylesheet(baseOf(element));
    fetch(url.href, { credentials: "omit", mode: "cors" }).then(function (response) {
      return response.text();
    }).then(function (html) {
      show(element, html, url.href);
      element.setAttribute("data-livingtogether-state", "ready");
    }).catch(function () {
      element.setAttribute("data-livingtogether-state", "error");
    });
  }

  function load(root) {
    (root || document).querySelectorAll("[data-livingtogether]").forEach(fill);
  }

  window.livingtogether = { load: load };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { load(); });
  } else {
    load();
  }
})();
