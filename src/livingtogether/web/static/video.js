/* livingtogether video script, loaded by the campaign widget when it embeds a
 * player of another site (YouTube, Vimeo, PeerTube).
 *
 * Until the resident presses the button, the page holds only a poster served
 * by this site and the button naming the third party: nothing is requested
 * from it. The click replaces the poster with the player's frame (its address
 * is in data-src, written by the server). Written to run more than once (the
 * embed script loads it again for each widget): a frame done is marked.
 */
(function () {
  "use strict";

  function play(holder) {
    var frame = document.createElement("iframe");
    frame.src = holder.getAttribute("data-src");
    frame.title = holder.getAttribute("data-title") || "";
    frame.allow = "autoplay; fullscreen; picture-in-picture; encrypted-media";
    frame.setAttribute("allowfullscreen", "");
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    frame.className = "lt-video__player";
    holder.textContent = "";
    holder.appendChild(frame);
    frame.focus();
  }

  document.querySelectorAll("[data-lt-video]").forEach(function (holder) {
    if (holder.hasAttribute("data-lt-video-ready")) return;
    holder.setAttribute("data-lt-video-ready", "");
    var button = holder.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () { play(holder); });
  });
})();
