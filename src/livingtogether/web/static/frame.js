/* livingtogether frame script, loaded by a widget opened as a page.
 *
 * Inside a frame (embed.js's data-mode="iframe"), it tells the embedding page
 * the height of the widget, whenever it changes, so that embed.js fits the
 * frame to it: no inner scroll bar, no empty space. The message carries only
 * that number. Outside a frame it does nothing.
 */
(function () {
  "use strict";

  if (window.parent === window) return;
  var last = -1;

  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ livingtogether: "height", height: height }, "*");
  }

  if (window.ResizeObserver) {
    new window.ResizeObserver(report).observe(document.documentElement);
  }
  window.addEventListener("load", report);
  report();
})();
