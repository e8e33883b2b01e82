// The article editor's helpers: a formatting toolbar with keyboard shortcuts, a live
// word count and a live preview rendered by the server (the same Markdown renderer
// readers get). Everything works without this script; it only makes writing nicer.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  var body = document.getElementById("f-body_markdown");
  if (!form || !body) return;
  var csrf = form.querySelector("input[name=csrf]").value;
  var toolbar = form.querySelector(".toolbar");
  toolbar.hidden = false;

  function wrap(before, after, placeholder) {
    var start = body.selectionStart, end = body.selectionEnd;
    var chosen = body.value.slice(start, end) || placeholder;
    body.setRangeText(before + chosen + after, start, end, "select");
    body.selectionStart = start + before.length;
    body.selectionEnd = start + before.length + chosen.length;
    body.focus();
    changed();
  }
  function prefixLines(prefix) {
    var start = body.value.lastIndexOf("\n", body.selectionStart - 1) + 1;
    var end = body.selectionEnd;
    var lines = body.value.slice(start, end).split("\n").map(function (l) { return prefix + l; });
    body.setRangeText(lines.join("\n"), start, end, "end");
    body.focus();
    changed();
  }
  var actions = {
    bold: function () { wrap("**", "**", "bold text"); },
    italic: function () { wrap("_", "_", "italic text"); },
    link: function () { wrap("[", "](https://)", "link text"); },
    heading: function () { prefixLines("## "); },
    quote: function () { prefixLines("> "); },
    list: function () { prefixLines("- "); }
  };
  toolbar.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-md]");
    if (button) actions[button.dataset.md]();
  });
  body.addEventListener("keydown", function (e) {
    if (!(e.ctrlKey || e.metaKey)) return;
    var key = { b: "bold", i: "italic", k: "link" }[e.key.toLowerCase()];
    if (key) { e.preventDefault(); actions[key](); }
  });

  var preview = document.getElementById("preview");
  var words = document.getElementById("word-count");
  var minutes = document.getElementById("reading-time");
  var timer = null;
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 600);
  }
  function refresh() {
    var data = new URLSearchParams();
    data.set("csrf", csrf);
    data.set("body_markdown", body.value);
    fetch("/newsroom/preview", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) return;
        words.textContent = r.headers.get("x-word-count") || "0";
        minutes.textContent = r.headers.get("x-reading-minutes") || "1";
        return r.text().then(function (html) { preview.innerHTML = html; });
      })
      .catch(function () { /* the preview catches up on the next change */ });
  }
  body.addEventListener("input", changed);
})();
