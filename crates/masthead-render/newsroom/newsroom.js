// The article editor's helpers: a formatting toolbar with keyboard shortcuts, a live
// word count, a live preview rendered by the server (the same Markdown renderer
// readers get), and autosave: every few seconds while typing and when the page is
// left. Everything works without this script; it only makes writing nicer and safer.
(function () {
  "use strict";
  // Puts a picture in the library: resolves with the server's answer ({id, url, alt,
  // progress}) once the original is stored, then tells `say` what became of it
  // (`done`) and how its sizes come on; rejects with a sentence. The visual editor
  // (editor.js) uploads through it too.
  function upload(file, csrf, say, done) {
    say("Uploading " + (file.name || "the picture") + "…");
    var data = new FormData();
    data.append("file", file, file.name || "pasted-image");
    return fetch("/newsroom/media", {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
    })
      .catch(function () { throw new Error("Upload failed: no connection."); })
      .then(function (r) {
        return r.json()
          .catch(function () { return { errors: [{ message: "the server answered " + r.status }] }; })
          .then(function (j) {
            if (!r.ok) throw new Error("Upload refused: " + j.errors[0].message);
            follow(j.progress, function (p) { say(done + "; " + p); }, 0);
            return j;
          });
      });
  }
  function follow(url, say, polls) {
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        say("sizes made: " + p.done + " of " + p.total + ".");
        // Two minutes at most: the library shows the rest.
        if (p.done < p.total && polls < 240) {
          setTimeout(function () { follow(url, say, polls + 1); }, 500);
        }
      })
      .catch(function () { /* the library shows it later */ });
  }
  window.Masthead = { upload: upload };

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

  // The headline wraps as it grows, but stays one line of text: Enter does not break it.
  var headline = document.getElementById("f-title");
  if (headline) {
    headline.addEventListener("keydown", function (e) {
      if (e.key === "Enter") e.preventDefault();
    });
  }

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
    // The visual editor's document when it is on (see editor.js), else the Markdown.
    var visual = form.querySelector("input[name=body_document]");
    if (visual && visual.value) data.set("body_document", visual.value);
    else data.set("body_markdown", body.value);
    fetch("/newsroom/preview", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        // 422: the body cannot be shown (the answer says why, in the pane).
        if (!r.ok && r.status !== 422) return;
        if (r.ok) {
          words.textContent = r.headers.get("x-word-count") || "0";
          minutes.textContent = r.headers.get("x-reading-minutes") || "1";
        }
        return r.text().then(function (html) { preview.innerHTML = html; });
      })
      .catch(function () { /* the preview catches up on the next change */ });
  }
  body.addEventListener("input", changed);

  // Autosave: the whole form, as the person's working copy (see `save_revision`).
  var status = document.getElementById("autosave-status");
  var dirty = false, sending = false, submitting = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function (e) {
    if (sending && !form.dataset.autosave) {
      // The draft is being created by the first autosave: saving now would make two.
      e.preventDefault();
      status.textContent = "Creating the draft… save again in a moment.";
      return;
    }
    submitting = true;
  });
  function fields() {
    return new URLSearchParams(new FormData(form));
  }
  function autosave() {
    if (!dirty || sending || submitting) return;
    var url = form.dataset.autosave;
    var data = fields();
    if (!url) {
      // A new article becomes a draft on its first autosave, once it has a headline.
      if (!form.querySelector("#f-title").value.trim()) return;
      data.set("autosave", "1");
      url = "/newsroom/articles";
    }
    sending = true;
    dirty = false;
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 201) {
          var place = r.headers.get("location");
          form.action = place;
          form.dataset.autosave = place + "/autosave";
          form.querySelector("input[name=base]").value = r.headers.get("x-base") || "";
          history.replaceState(null, "", place);
          status.textContent = "Draft created; autosaving.";
        } else if (r.ok) {
          return r.text().then(function (t) { status.textContent = t; });
        } else {
          dirty = true;
          status.textContent = "Not autosaved (" + r.status + "); keep this page open and save.";
        }
      })
      .catch(function () {
        dirty = true;
        status.textContent = "Not autosaved: no connection. Keep this page open.";
      })
      .then(function () { sending = false; });
  }
  setInterval(autosave, 3000);

  // Pictures go to the library. One pasted into the body or dropped on it is placed
  // there as a picture card, where the writer put it, to describe and caption; one
  // picked with the featured image's file input becomes the featured image (its alt
  // text is asked for before saving). Nothing becomes the featured image unasked.
  var featured = form.querySelector("input[name=featured_media_id]");
  var thumb = form.querySelector(".featured-thumb");
  var picker = document.getElementById("upload");
  form.querySelector(".drop-hint").hidden = false;
  function say(text) { status.textContent = text; }
  function place(file, asFeatured) {
    if (!file || !/^image\//.test(file.type)) return;
    upload(file, csrf, say, asFeatured ? "Featured image set" : "Picture added to the text")
      .then(function (j) {
        dirty = true;
        if (asFeatured) {
          featured.value = j.id;
          if (!thumb) {
            thumb = document.createElement("img");
            thumb.className = "featured-thumb";
            thumb.alt = "";
            featured.after(thumb);
          }
          thumb.src = j.url;
          var alt = document.getElementById("f-featured_alt");
          if (!alt.value) alt.value = j.alt;
          if (!alt.value) { alt.placeholder = "Required: what the picture shows"; alt.focus(); }
        } else {
          var card = { src: j.url, alt: j.alt || "Describe the picture", caption: "", credit: "" };
          var before = body.value.slice(0, body.selectionStart);
          var fence = (before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "") +
            "```masthead:picture\n" + JSON.stringify(card, null, 2) + "\n```\n\n";
          body.setRangeText(fence, body.selectionStart, body.selectionEnd, "end");
          changed();
        }
      })
      .catch(function (e) { say(e.message); });
  }
  body.addEventListener("paste", function (e) {
    var files = e.clipboardData && e.clipboardData.files;
    if (files && files.length) { e.preventDefault(); place(files[0], false); }
  });
  body.addEventListener("dragover", function (e) { e.preventDefault(); body.classList.add("dragging"); });
  body.addEventListener("dragleave", function () { body.classList.remove("dragging"); });
  body.addEventListener("drop", function (e) {
    body.classList.remove("dragging");
    var files = e.dataTransfer && e.dataTransfer.files;
    if (files && files.length) { e.preventDefault(); place(files[0], false); }
  });
  if (picker) picker.addEventListener("change", function () { place(picker.files[0], true); });
  function leaving() {
    if (dirty && !submitting && form.dataset.autosave) {
      // Refused (too large for a beacon): the page stays dirty, the next tick retries.
      if (navigator.sendBeacon(form.dataset.autosave, fields())) dirty = false;
    }
  }
  window.addEventListener("pagehide", leaving);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leaving();
  });

  // Tag suggestions: existing tags whose name contains what is being typed after the
  // last comma, offered through a datalist as the whole field's value with that tag
  // in place of the typing (a datalist completes whole values).
  var tags = document.getElementById("f-tags");
  var suggestions = document.getElementById("tag-suggestions");
  var asked = null;
  if (tags && suggestions) {
    tags.addEventListener("input", function () {
      clearTimeout(asked);
      asked = setTimeout(function () {
        var cut = tags.value.lastIndexOf(",");
        var before = cut < 0 ? "" : tags.value.slice(0, cut + 1) + " ";
        var typing = tags.value.slice(cut + 1).trim();
        if (typing.length < 2) { suggestions.textContent = ""; return; }
        fetch("/newsroom/tags/suggest?q=" + encodeURIComponent(typing), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (names) {
            suggestions.textContent = "";
            names.forEach(function (name) {
              var option = document.createElement("option");
              option.value = before + name;
              suggestions.appendChild(option);
            });
          })
          .catch(function () {});
      }, 200);
    });
  }
})();

// The home page's slots: drag a slot by its handle to put its story elsewhere (the
// others move along), or use its Move buttons; either way the selects change and the
// form is saved as usual. Without this script the selects alone do the same.
(function () {
  "use strict";
  var list = document.querySelector(".front-slots");
  if (!list) return;
  var slots = Array.prototype.slice.call(list.querySelectorAll(".front-slot"));
  function values() {
    return slots.map(function (li) {
      return { story: li.querySelector("select").value, until: li.querySelector("input[type=datetime-local]").value };
    });
  }
  function write(vs) {
    slots.forEach(function (li, i) {
      var select = li.querySelector("select");
      // A story offered in one slot is offered in all, but for an old one kept by its slot.
      if (!Array.prototype.some.call(select.options, function (o) { return o.value === vs[i].story; })) {
        var source = list.querySelector("option[value='" + vs[i].story + "']");
        if (source) select.add(source.cloneNode(true));
      }
      select.value = vs[i].story;
      li.querySelector("input[type=datetime-local]").value = vs[i].until;
    });
  }
  function move(from, to) {
    if (to < 0 || to >= slots.length || from === to) return;
    var vs = values();
    var moved = vs.splice(from, 1)[0];
    vs.splice(to, 0, moved);
    write(vs);
  }
  slots.forEach(function (li, i) {
    var handle = li.querySelector(".drag-handle");
    handle.setAttribute("draggable", "true");
    handle.addEventListener("dragstart", function (e) {
      e.dataTransfer.setData("text/plain", String(i));
      li.classList.add("dragging");
    });
    handle.addEventListener("dragend", function () { li.classList.remove("dragging"); });
    li.addEventListener("dragover", function (e) { e.preventDefault(); li.classList.add("drop-here"); });
    li.addEventListener("dragleave", function () { li.classList.remove("drop-here"); });
    li.addEventListener("drop", function (e) {
      e.preventDefault();
      li.classList.remove("drop-here");
      move(Number(e.dataTransfer.getData("text/plain")), i);
    });
    var buttons = document.createElement("p");
    buttons.className = "slot-moves";
    [["Move up", -1], ["Move down", 1]].forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = b[0];
      button.setAttribute("aria-label", b[0] + ": " + li.querySelector("label").textContent);
      button.addEventListener("click", function () { move(i, i + b[1]); });
      buttons.appendChild(button);
    });
    li.querySelector("div").appendChild(buttons);
  });
})();

// The byline pickers: a newsroom may have hundreds of people, so each list of
// checkboxes gets a search box that hides the names that do not match (those chosen
// always show) and a line naming who is chosen. Without this script the checkboxes
// alone do the same.
(function () {
  "use strict";
  // Lowercase without accents, so "tomas" finds "Tomás".
  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), function (set) {
    var options = set.querySelector(".options");
    var labels = Array.prototype.slice.call(options.querySelectorAll("label"));
    var search = document.createElement("input");
    search.type = "search";
    search.className = "picker-search";
    search.placeholder = "Find a name";
    search.setAttribute("aria-label", "Find a name in " + set.querySelector("legend").firstChild.textContent.trim());
    search.setAttribute("aria-controls", set.id);
    var chosen = document.createElement("p");
    chosen.className = "picker-chosen";
    chosen.setAttribute("aria-live", "polite");
    set.insertBefore(search, options);
    set.insertBefore(chosen, options);
    function update() {
      var words = plain(search.value.trim());
      var names = [];
      labels.forEach(function (label) {
        var box = label.querySelector("input");
        var name = label.textContent.trim();
        if (box.checked) names.push(name);
        label.hidden = !box.checked && words !== "" && plain(name).indexOf(words) === -1;
      });
      chosen.textContent = names.length ? "Chosen: " + names.join(", ") : "No one chosen";
    }
    // Enter in the search box ticks the only name left instead of sending the form.
    search.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();
      var left = labels.filter(function (l) { return !l.hidden && !l.querySelector("input").checked; });
      if (left.length === 1) {
        left[0].querySelector("input").checked = true;
        search.value = "";
        update();
      }
    });
    search.addEventListener("input", update);
    options.addEventListener("change", update);
    update();
  });
})();
