// Embeds load nothing from their provider until the reader asks: the page shows a
// placeholder (a picture kept on this site, the title, a link). A click on one with a
// player swaps it for the player, from the known players the page's policy allows;
// without this script, or for posts, the link leads to the provider's own page.
(function () {
  "use strict";
  var players = [
    "https://www.youtube-nocookie.com/",
    "https://player.vimeo.com/",
    "https://open.spotify.com/",
    "https://w.soundcloud.com/",
    "https://www.google.com/"
  ];
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("figure.embed[data-frame] a.embed-link");
    if (!link) return;
    var figure = link.parentNode;
    var frame = figure.getAttribute("data-frame") || "";
    var known = players.some(function (p) { return frame.indexOf(p) === 0; });
    if (!known) return;
    event.preventDefault();
    var player = document.createElement("iframe");
    player.src = frame;
    player.title = (figure.querySelector(".embed-title") || link).textContent;
    player.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    player.allowFullscreen = true;
    player.referrerPolicy = "strict-origin-when-cross-origin";
    player.className = "embed-player";
    figure.replaceChild(player, link);
    player.focus();
  });
})();
