// The visual editor of article and page bodies, made with ProseMirror (the libraries
// in newsroom/vendor, found through the page's import map). It edits the body as the
// document the server stores (docs/document-format.md): the schema below mirrors
// masthead-core's document.rs node for node and attribute for attribute.
//
// The textarea it stands in for stays: it is the Markdown mode and the form without
// scripts. The document travels in a hidden `body_document` field, which the server
// prefers when it is filled; switching modes asks the server to spell the body the
// other way, so that Markdown is read and written in one place.
import { Schema } from "prosemirror-model";
import { EditorState, Plugin, PluginKey } from "prosemirror-state";
import { EditorView } from "prosemirror-view";
import { insertPoint } from "prosemirror-transform";
import { keymap } from "prosemirror-keymap";
import { history, undo, redo } from "prosemirror-history";
import { baseKeymap, toggleMark, setBlockType, wrapIn, lift, chainCommands, exitCode } from "prosemirror-commands";
import { inputRules, wrappingInputRule, textblockTypeInputRule, InputRule, undoInputRule } from "prosemirror-inputrules";
import { wrapInList, splitListItem, liftListItem, sinkListItem } from "prosemirror-schema-list";
import { dropCursor } from "prosemirror-dropcursor";
import { gapCursor } from "prosemirror-gapcursor";

// ---- The schema: document.rs in ProseMirror's words -------------------------------

const VERSION = 1;

/// Which attributes each card has, with their defaults (document.rs's card structs).
const CARD_ATTRS = {
  picture: { src: "", alt: "", caption: "", credit: "", width: "regular" },
  gallery: { images: [], caption: "" },
  embed: { url: "", provider: "", title: "", author: "", thumbnail: "", frame: "", text: "", caption: "" },
  pull_quote: { text: "", attribution: "" },
  callout: { title: "", text: "" },
  related: { url: "", title: "" },
  html: { html: "" }
};

function defaults(values) {
  const attrs = {};
  for (const key of Object.keys(values)) attrs[key] = { default: values[key] };
  return attrs;
}

/// A card: one block, edited through its own fields (`CardView`). In the clipboard it
/// is an element carrying its attributes, so that cut and paste within the editor
/// keeps it whole; the server checks what any card may hold when it is saved.
function card(name) {
  return {
    group: "block",
    atom: true,
    draggable: true,
    attrs: defaults(CARD_ATTRS[name]),
    toDOM: (node) => ["div", { "data-card": name, "data-attrs": JSON.stringify(node.attrs) }],
    parseDOM: [{
      tag: "div[data-card=" + name + "]",
      getAttrs: (dom) => {
        try { return JSON.parse(dom.getAttribute("data-attrs")); } catch (e) { return false; }
      }
    }]
  };
}

/// Links may lead to web pages, mail and this site; anything else is dropped on paste.
function safeHref(href) {
  return href && /^(https?:|mailto:|\/|#)/i.test(href.trim()) ? href.trim() : null;
}

const schema = new Schema({
  nodes: {
    doc: { content: "block+", attrs: { version: { default: VERSION } } },
    paragraph: { group: "block", content: "inline*", parseDOM: [{ tag: "p" }], toDOM: () => ["p", 0] },
    heading: {
      group: "block", content: "inline*", defining: true, attrs: { level: { default: 2 } },
      // The headline is the page's only first-level heading: pasted ones become second.
      parseDOM: [1, 2, 3, 4, 5, 6].map((l) => ({ tag: "h" + l, attrs: { level: Math.max(2, l) } })),
      toDOM: (node) => ["h" + node.attrs.level, 0]
    },
    blockquote: { group: "block", content: "block+", defining: true, parseDOM: [{ tag: "blockquote" }], toDOM: () => ["blockquote", 0] },
    bullet_list: {
      group: "block", content: "list_item+", attrs: { tight: { default: true } },
      parseDOM: [{ tag: "ul" }], toDOM: () => ["ul", 0]
    },
    ordered_list: {
      group: "block", content: "list_item+", attrs: { order: { default: 1 }, tight: { default: true } },
      parseDOM: [{ tag: "ol", getAttrs: (dom) => ({ order: dom.hasAttribute("start") ? +dom.getAttribute("start") || 1 : 1 }) }],
      toDOM: (node) => ["ol", node.attrs.order === 1 ? {} : { start: node.attrs.order }, 0]
    },
    list_item: { content: "block+", defining: true, parseDOM: [{ tag: "li" }], toDOM: () => ["li", 0] },
    code_block: {
      group: "block", content: "text*", marks: "", code: true, defining: true,
      attrs: { language: { default: "" } },
      parseDOM: [{ tag: "pre", preserveWhitespace: "full" }],
      toDOM: () => ["pre", ["code", 0]]
    },
    horizontal_rule: { group: "block", parseDOM: [{ tag: "hr" }], toDOM: () => ["hr"] },
    preview_cut: {
      group: "block", atom: true,
      parseDOM: [{ tag: "div[data-card=preview_cut]" }],
      toDOM: () => ["div", { "data-card": "preview_cut", class: "preview-cut" }, "Preview for non-members ends here"]
    },
    // Tables and footnotes come from Markdown; their text is edited here, their shape
    // in the Markdown mode. Pasted tables arrive as their text.
    table: { group: "block", content: "table_row+", isolating: true, attrs: { align: { default: [] } }, toDOM: () => ["table", ["tbody", 0]] },
    table_row: { content: "(table_header | table_cell)+", toDOM: () => ["tr", 0] },
    table_header: { content: "inline*", isolating: true, toDOM: () => ["th", 0] },
    table_cell: { content: "inline*", isolating: true, toDOM: () => ["td", 0] },
    footnote_definition: {
      group: "block", content: "block+", attrs: { label: { default: "" } },
      toDOM: (node) => ["div", { class: "footnote-definition" },
        ["span", { class: "footnote-label", contenteditable: "false" }, "[^" + node.attrs.label + "]"], ["div", 0]]
    },
    picture: card("picture"),
    gallery: card("gallery"),
    embed: card("embed"),
    pull_quote: card("pull_quote"),
    callout: card("callout"),
    related: card("related"),
    html: card("html"),
    text: { group: "inline" },
    hard_break: { inline: true, group: "inline", selectable: false, parseDOM: [{ tag: "br" }], toDOM: () => ["br"] },
    image: {
      inline: true, group: "inline", draggable: true,
      attrs: { src: { default: "" }, alt: { default: "" }, title: { default: "" } },
      toDOM: (node) => ["img", { src: node.attrs.src, alt: node.attrs.alt, title: node.attrs.title }]
    },
    footnote_ref: {
      inline: true, group: "inline", atom: true, attrs: { label: { default: "" } },
      toDOM: (node) => ["sup", { class: "footnote-ref" }, "[^" + node.attrs.label + "]"]
    },
    html_inline: {
      inline: true, group: "inline", atom: true, attrs: { html: { default: "" } },
      toDOM: (node) => ["code", { class: "html-inline" }, node.attrs.html]
    }
  },
  // In document.rs's order (links outermost).
  marks: {
    link: {
      attrs: { href: {}, title: { default: "" } }, inclusive: false,
      parseDOM: [{
        tag: "a[href]",
        getAttrs: (dom) => {
          const href = safeHref(dom.getAttribute("href"));
          return href ? { href: href, title: dom.getAttribute("title") || "" } : false;
        }
      }],
      toDOM: (mark) => ["a", { href: mark.attrs.href, title: mark.attrs.title || null }, 0]
    },
    strong: {
      // (Styles meaning bold are made <strong> by `cleanPastedHTML`.)
      parseDOM: [{ tag: "strong" }, { tag: "b" }],
      toDOM: () => ["strong", 0]
    },
    em: {
      parseDOM: [{ tag: "i" }, { tag: "em" }],
      toDOM: () => ["em", 0]
    },
    strike: {
      parseDOM: [{ tag: "s" }, { tag: "del" }, { tag: "strike" }],
      toDOM: () => ["s", 0]
    },
    code: { code: true, parseDOM: [{ tag: "code" }], toDOM: () => ["code", 0] }
  }
});

const N = schema.nodes, M = schema.marks;

// ---- Pasting ------------------------------------------------------------------------

/// Cleans what Google Docs, Word and web pages put on the clipboard before the
/// schema reads it (which keeps headings, links, lists, bold, italic and strikes, and
/// drops the rest). Their formatting is in style attributes, which the newsroom's
/// policy never applies: style elements go and style attributes are renamed before the
/// HTML is parsed, read as words, and turned into the elements they mean. Word's comments go, and its lists
/// (paragraphs styled `mso-list`, each with its bullet or number as text) become lists.
function cleanPastedHTML(html) {
  html = html
    .replace(/<style[\s\S]*?<\/style\s*>/gi, "")
    .replace(/(<[a-z][^>]*?\s)style(\s*=)/gi, "$1data-style$2");
  const page = new window.DOMParser().parseFromString(html, "text/html");
  page.querySelectorAll("style, script, meta, link, title").forEach((e) => e.remove());
  const walker = page.createTreeWalker(page.body, NodeFilter.SHOW_COMMENT);
  const comments = [];
  while (walker.nextNode()) comments.push(walker.currentNode);
  comments.forEach((c) => c.remove());
  const style = (e) => e.getAttribute("data-style") || "";
  let list = null;
  for (const p of Array.from(page.body.querySelectorAll("p"))) {
    if (!/mso-list/i.test(style(p))) { list = null; continue; }
    const bullet = Array.from(p.querySelectorAll("span")).find((s) => /mso-list\s*:\s*ignore/i.test(style(s)));
    const marker = bullet ? bullet.textContent.trim() : "";
    if (bullet) bullet.remove();
    const ordered = /^[0-9a-z]+[.)]$/i.test(marker);
    if (!list || p.previousElementSibling !== list || (list.nodeName === "OL") !== ordered) {
      list = page.createElement(ordered ? "ol" : "ul");
      p.before(list);
    }
    const item = page.createElement("li");
    item.append(...p.childNodes);
    p.remove();
    list.append(item);
  }
  for (const e of Array.from(page.body.querySelectorAll("[data-style]"))) {
    const said = style(e);
    e.removeAttribute("data-style");
    // Google Docs wraps a whole paste in <b style="font-weight:normal">.
    if (e.nodeName === "B" && /font-weight\s*:\s*(normal|[1-4]00)\b/i.test(said)) {
      e.replaceWith(...e.childNodes);
      continue;
    }
    for (const [pattern, tag] of [
      [/font-weight\s*:\s*(bold|bolder|[6-9]00)\b/i, "strong"],
      [/font-style\s*:\s*italic/i, "em"],
      [/text-decoration[^;]*line-through/i, "s"]
    ]) {
      if (!pattern.test(said)) continue;
      const wrap = page.createElement(tag);
      wrap.append(...e.childNodes);
      e.append(wrap);
    }
  }
  return page.body.innerHTML;
}

// ---- Markdown shortcuts ---------------------------------------------------------------

/// `**bold**` and the like: the delimited text takes the mark as the closing
/// delimiter is typed.
function markRule(pattern, type) {
  return new InputRule(pattern, (state, match, start, end) => {
    const whole = match[1], inner = match[2];
    const from = start + match[0].length - whole.length;
    return state.tr
      .replaceWith(from, end, schema.text(inner, [type.create()]))
      .removeStoredMark(type);
  });
}

const shortcuts = inputRules({
  rules: [
    textblockTypeInputRule(/^(#{1,6})\s$/, N.heading, (m) => ({ level: Math.max(2, m[1].length) })),
    wrappingInputRule(/^\s*>\s$/, N.blockquote),
    wrappingInputRule(/^\s*([-+*])\s$/, N.bullet_list),
    wrappingInputRule(/^(\d+)[.)]\s$/, N.ordered_list, (m) => ({ order: +m[1] }),
      (m, node) => node.childCount + node.attrs.order === +m[1]),
    textblockTypeInputRule(/^```$/, N.code_block),
    new InputRule(/^(?:---|\*\*\*)$/, (state, match, start) => {
      const $start = state.doc.resolve(start);
      if ($start.parent.type !== N.paragraph) return null;
      return state.tr.replaceRangeWith($start.before(), $start.after(), N.horizontal_rule.create());
    }),
    markRule(/(?:^|[^*])(\*\*([^*\s](?:[^*]*[^*\s])?)\*\*)$/, M.strong),
    markRule(/(?:^|[^*])(\*([^*\s](?:[^*]*[^*\s])?)\*)$/, M.em),
    markRule(/(?:^|[^_\w])(_([^_\s](?:[^_]*[^_\s])?)_)$/, M.em),
    markRule(/(?:^|[^~])(~~([^~\s](?:[^~]*[^~\s])?)~~)$/, M.strike),
    markRule(/(?:^|[^`])(`([^`]+)`)$/, M.code)
  ]
});

// ---- Cards: the menu, their fields, and inserting them -------------------------------------

/// What the "/" menu and the toolbar's Insert list offer, in this order.
const MENU = [
  { name: "picture", label: "Picture", hint: "upload one or choose from the library" },
  { name: "gallery", label: "Gallery", hint: "several pictures side by side" },
  { name: "embed", label: "Embed", hint: "YouTube, X, Instagram, TikTok, a map…" },
  { name: "pull_quote", label: "Pull quote", hint: "a quote set large" },
  { name: "callout", label: "Fact box", hint: "background in a box" },
  { name: "horizontal_rule", label: "Divider", hint: "a line between parts" },
  { name: "related", label: "Related story", hint: "a link to another story" },
  { name: "heading", label: "Subheading", hint: "## at the start of a line" },
  { name: "preview_cut", label: "Preview ends here", hint: "for members-only stories" },
  { name: "html", label: "HTML", hint: "raw HTML, for editors", rawHtml: true }
];

const LABELS = {
  picture: "Picture", gallery: "Gallery", embed: "Embed", pull_quote: "Pull quote",
  callout: "Fact box", related: "Related story", html: "HTML"
};

let fieldCount = 0;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

/// A labelled field of a card: an input, a textarea or a select.
function field(label, kind, value, options) {
  const id = "card-field-" + (++fieldCount);
  let input;
  if (kind === "textarea") {
    input = el("textarea", { id: id, rows: 3 });
    input.value = value;
  } else if (kind === "select") {
    input = el("select", { id: id });
    for (const [v, text] of options) input.append(el("option", { value: v, text: text }));
    input.value = value;
  } else {
    input = el("input", { id: id, type: kind || "text" });
    input.value = value;
  }
  return { wrap: el("p", { class: "card-field" }, el("label", { for: id, text: label }), input), input: input };
}

/// A card in the editor: its name, its fields, and a button that takes it out. The
/// fields write the card's attributes as the writer types (one undo step per pause).
class CardView {
  constructor(node, view, getPos, editor) {
    this.node = node;
    this.view = view;
    this.getPos = getPos;
    this.editor = editor;
    this.inputs = {};
    const name = node.type.name;
    this.dom = el("div", { class: "card-edit card-" + name.replace("_", "-") });
    const handle = el("span", { class: "card-name", draggable: "true", title: "Drag to move", text: LABELS[name] });
    const remove = el("button", { type: "button", class: "link card-remove", text: "Remove" });
    remove.setAttribute("aria-label", "Remove this " + LABELS[name].toLowerCase());
    remove.addEventListener("click", () => this.remove());
    this.dom.append(el("div", { class: "card-head" }, handle, remove));
    this.body = el("div", { class: "card-body" });
    this.dom.append(this.body);
    this.build();
    // Moved by its name only (ProseMirror makes the whole card draggable, which would
    // drag it away when a writer selects words in its fields).
    requestAnimationFrame(() => this.dom.removeAttribute("draggable"));
    if (editor.focusNext) {
      editor.focusNext = false;
      requestAnimationFrame(() => {
        const first = this.dom.querySelector("input, textarea");
        if (first) first.focus();
      });
    }
  }

  /// Writes `attrs` over the card's.
  set(attrs) {
    const pos = this.getPos();
    if (pos === undefined) return;
    const next = Object.assign({}, this.node.attrs, attrs);
    this.view.dispatch(this.view.state.tr.setNodeMarkup(pos, null, next));
  }

  remove() {
    const pos = this.getPos();
    if (pos === undefined) return;
    this.view.dispatch(this.view.state.tr.delete(pos, pos + this.node.nodeSize));
    this.view.focus();
  }

  /// A field bound to the attribute `key`.
  bind(key, label, kind, options) {
    const f = field(label, kind, this.node.attrs[key], options);
    f.input.addEventListener(kind === "select" ? "change" : "input", () => this.set({ [key]: f.input.value }));
    if (kind !== "select" && key !== "html") {
      // Like every field of the form: what is typed is kept, spaces at the ends are not.
      f.input.addEventListener("change", () => {
        if (f.input.value !== f.input.value.trim()) { f.input.value = f.input.value.trim(); this.set({ [key]: f.input.value }); }
      });
    }
    this.inputs[key] = f.input;
    this.body.append(f.wrap);
    return f.input;
  }

  build() {
    const a = this.node.attrs;
    switch (this.node.type.name) {
      case "picture":
        this.preview = el("img", { class: "card-preview", src: a.src, alt: "" });
        this.body.append(this.preview);
        this.bind("alt", "Alt text (what the picture shows, for readers who cannot see it)");
        this.bind("caption", "Caption");
        this.bind("credit", "Credit");
        this.bind("width", "Width", "select", [["regular", "As wide as the text"], ["wide", "Wider than the text"], ["full", "The whole screen"]]);
        break;
      case "gallery":
        this.grid = el("ul", { class: "card-gallery" });
        this.body.append(this.grid);
        this.drawGallery();
        {
          const add = el("button", { type: "button", class: "secondary", text: "Add pictures" });
          add.addEventListener("click", () => pickPictures(this.editor, true).then((chosen) => {
            if (chosen.length) this.set({ images: this.node.attrs.images.concat(chosen) });
          }));
          this.body.append(el("p", {}, add));
        }
        this.bind("caption", "Caption of the gallery");
        break;
      case "embed":
        this.bind("url", "Address of the post, video or map", "url");
        this.about = el("div", { class: "card-about" });
        this.body.append(this.about);
        this.drawEmbed();
        this.bind("caption", "Caption");
        break;
      case "pull_quote":
        this.bind("text", "The quote", "textarea");
        this.bind("attribution", "Who said it");
        break;
      case "callout":
        this.bind("title", "Title");
        this.bind("text", "Text (paragraphs separated by a blank line)", "textarea");
        break;
      case "related":
        this.bind("url", "Address of the story on this site (/section/story/)");
        this.bind("title", "Its headline");
        break;
      case "html": {
        const input = this.bind("html", "HTML (sanitised like everything else)", "textarea");
        input.classList.add("code");
        input.readOnly = !this.editor.rawHtml;
        break;
      }
    }
  }

  drawGallery() {
    this.grid.textContent = "";
    this.node.attrs.images.forEach((picture, i) => {
      const alt = field("Alt text", "text", picture.alt);
      alt.input.addEventListener("input", () => {
        const images = this.node.attrs.images.map((p, j) => (j === i ? Object.assign({}, p, { alt: alt.input.value }) : p));
        this.set({ images: images });
      });
      const out = el("button", { type: "button", class: "link", text: "Take out" });
      out.addEventListener("click", () => this.set({ images: this.node.attrs.images.filter((_, j) => j !== i) }));
      this.grid.append(el("li", {}, el("img", { src: picture.src, alt: "" }), alt.wrap, out));
    });
  }

  drawEmbed() {
    const a = this.node.attrs;
    this.about.textContent = "";
    if (a.thumbnail) this.about.append(el("img", { src: a.thumbnail, alt: "" }));
    const said = [a.provider, a.title, a.author && "by " + a.author].filter(Boolean).join(" · ");
    this.about.append(el("p", {
      text: said || (a.url ? "Its title and picture are fetched from the provider when you save."
        : "Paste the address of a post, video or map.")
    }));
  }

  update(node) {
    if (node.type !== this.node.type) return false;
    const old = this.node;
    this.node = node;
    for (const [key, input] of Object.entries(this.inputs)) {
      if (document.activeElement !== input && input.value !== node.attrs[key]) input.value = node.attrs[key];
    }
    if (this.preview && old.attrs.src !== node.attrs.src) this.preview.src = node.attrs.src;
    if (this.grid && old.attrs.images !== node.attrs.images) this.drawGallery();
    if (this.about) this.drawEmbed();
    return true;
  }

  selectNode() { this.dom.classList.add("selected"); }
  deselectNode() { this.dom.classList.remove("selected"); }
  // The card's own fields take their keys and clicks; the editor does not.
  stopEvent(event) {
    return !!(event.target.closest && event.target.closest("input, textarea, select, button"));
  }
  ignoreMutation() { return true; }
}

/// Places a block where the selection is (or at `at`): in place of an empty paragraph,
/// else after the block the position is in.
function insertBlock(view, node, at) {
  const { state } = view;
  const pos = at === undefined ? state.selection.from : Math.min(at, state.doc.content.size);
  const $pos = state.doc.resolve(pos);
  let tr;
  if ($pos.parent.type === N.paragraph && $pos.parent.content.size === 0 && $pos.depth > 0) {
    tr = state.tr.replaceRangeWith($pos.before(), $pos.after(), node);
  } else {
    const point = insertPoint(state.doc, $pos.parent.isTextblock && $pos.depth > 0 ? $pos.after() : pos, node.type);
    tr = point === null ? state.tr.replaceSelectionWith(node) : state.tr.insert(point, node);
  }
  view.dispatch(tr.scrollIntoView());
}

/// A dialog asking for a few words (a link's address, an embed's): resolves with the
/// values by name, or null when the writer cancels.
function ask(title, fields) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "ask" });
    const form = el("form", { method: "dialog" });
    form.append(el("h2", { text: title }));
    const inputs = {};
    for (const f of fields) {
      const made = field(f.label, f.kind || "text", f.value || "");
      if (f.required) made.input.required = true;
      inputs[f.name] = made.input;
      form.append(made.wrap);
    }
    const cancel = el("button", { type: "button", class: "secondary", text: "Cancel" });
    form.append(el("p", { class: "buttons" }, el("button", { type: "submit", value: "ok", text: "OK" }), " ", cancel));
    dialog.append(form);
    document.body.append(dialog);
    let answer = null;
    form.addEventListener("submit", () => {
      answer = {};
      for (const [name, input] of Object.entries(inputs)) answer[name] = input.value.trim();
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => { dialog.remove(); resolve(answer); });
    dialog.showModal();
  });
}

/// The media library in a dialog: search, pick one picture (or several, for a
/// gallery), or upload new ones. Resolves with picture cards' attributes.
function pickPictures(editor, several) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "picker" });
    const title = several ? "Choose pictures" : "Choose a picture";
    const search = field("Search the library", "search", "");
    const upload = el("input", { type: "file", accept: "image/jpeg,image/png,image/webp,image/gif", id: "library-upload" });
    if (several) upload.multiple = true;
    const said = el("p", { class: "library-status", role: "status" });
    const grid = el("ul", { class: "library-grid" });
    const done = el("button", { type: "button", text: several ? "Add the chosen pictures" : "Cancel" });
    if (several) done.disabled = true;
    const cancel = el("button", { type: "button", class: "secondary", text: "Cancel" });
    dialog.append(
      el("h2", { text: title }),
      el("p", {}, el("label", { for: "library-upload", text: "Upload from this device " }), upload),
      search.wrap, said, grid,
      el("p", { class: "buttons" }, done, several ? cancel : null)
    );
    document.body.append(dialog);
    const chosen = [];
    let answer = [];
    const picture = (item) => ({ src: item.src || item.url, alt: item.alt || "", caption: item.caption || "", credit: item.credit || "", width: "regular" });
    function finish(pictures) { answer = pictures; dialog.close(); }
    function show(items) {
      grid.textContent = "";
      if (!items.length) grid.append(el("li", { class: "empty", text: "No pictures found." }));
      for (const item of items) {
        const button = el("button", { type: "button", class: "pick", "aria-pressed": several ? "false" : null },
          el("img", { src: item.thumb, alt: "" }), el("span", { text: item.alt || "(no alt text)" }));
        button.addEventListener("click", () => {
          if (!several) return finish([picture(item)]);
          const at = chosen.findIndex((c) => c.src === item.src);
          if (at < 0) chosen.push(picture(item)); else chosen.splice(at, 1);
          button.setAttribute("aria-pressed", at < 0 ? "true" : "false");
          done.disabled = chosen.length === 0;
        });
        grid.append(el("li", {}, button));
      }
    }
    let asked = null;
    function load() {
      fetch("/newsroom/media?q=" + encodeURIComponent(search.input.value.trim()), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
        .then((page) => show(page.items))
        .catch(() => { said.textContent = "The library cannot be reached; try again."; });
    }
    search.input.addEventListener("input", () => { clearTimeout(asked); asked = setTimeout(load, 250); });
    upload.addEventListener("change", () => {
      const files = Array.from(upload.files);
      Promise.all(files.map((file) => window.Masthead.upload(file, editor.csrf, (t) => { said.textContent = t; }, "Uploaded")))
        .then((uploaded) => {
          const pictures = uploaded.map(picture);
          if (!several) return finish(pictures.slice(0, 1));
          chosen.push(...pictures);
          finish(chosen);
        })
        .catch((e) => { said.textContent = e.message; });
    });
    done.addEventListener("click", () => (several ? finish(chosen) : dialog.close()));
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => { dialog.remove(); resolve(answer); });
    dialog.showModal();
    load();
  });
}

/// Adds the card or block `name` where the writer is (asking first what a card needs).
function insert(editor, name) {
  const view = editor.view;
  const at = view.state.selection.from;
  const place = (type, attrs) => {
    editor.focusNext = !!CARD_ATTRS[type];
    insertBlock(view, N[type].create(attrs), at);
    if (!CARD_ATTRS[type]) view.focus();
  };
  switch (name) {
    case "picture":
      return pickPictures(editor, false).then((p) => { if (p.length) place("picture", p[0]); });
    case "gallery":
      return pickPictures(editor, true).then((p) => { if (p.length) place("gallery", { images: p, caption: "" }); });
    case "embed":
      return ask("Embed a post, video or map", [{ name: "url", label: "Its address", kind: "url", required: true }])
        .then((a) => { if (a && a.url) place("embed", { url: a.url }); });
    case "related":
      return ask("Link to a related story", [
        { name: "url", label: "Its address on this site (/section/story/)", required: true },
        { name: "title", label: "Its headline", required: true }
      ]).then((a) => { if (a) place("related", { url: relative(a.url), title: a.title }); });
    case "heading":
      setBlockType(N.heading, { level: 2 })(view.state, view.dispatch);
      return view.focus();
    default:
      return place(name, null);
  }
}

/// A story's address as the related card holds it: a path on this site.
function relative(url) {
  try {
    const u = new URL(url, window.location.origin);
    return u.origin === window.location.origin ? u.pathname : url;
  } catch (e) {
    return url;
  }
}

// ---- The "/" menu -------------------------------------------------------------------------

const slashKey = new PluginKey("slash");

/// Typing "/" at the start of an empty paragraph opens a menu of cards, filtered by
/// what follows it; arrows choose, Enter inserts, Escape closes.
function slashMenu(editor) {
  const items = (query) => MENU.filter((m) => (!m.rawHtml || editor.rawHtml) &&
    (m.label + " " + m.name).toLowerCase().includes(query.toLowerCase()));
  return new Plugin({
    key: slashKey,
    state: {
      init: () => null,
      apply(tr, previous, _old, state) {
        const meta = tr.getMeta(slashKey) || {};
        const { $from, empty } = state.selection;
        const text = $from.parent.textContent;
        const match = /^\/([\w ]{0,20})$/.exec(text);
        if (!empty || $from.parent.type !== N.paragraph || !match || $from.parentOffset !== text.length) return null;
        const from = $from.start();
        if (meta.dismiss || (previous && previous.dismissed === from && !tr.docChanged)) return { dismissed: from };
        const found = items(match[1]);
        const index = meta.index !== undefined ? meta.index : previous && previous.from === from ? previous.index : 0;
        return { from: from, to: $from.end(), items: found, index: Math.max(0, Math.min(index, found.length - 1)) };
      }
    },
    props: {
      handleKeyDown(view, event) {
        const menu = slashKey.getState(view.state);
        if (!menu || !menu.items || !menu.items.length) return false;
        const move = { ArrowDown: 1, ArrowUp: -1 }[event.key];
        if (move) {
          const index = (menu.index + move + menu.items.length) % menu.items.length;
          view.dispatch(view.state.tr.setMeta(slashKey, { index: index }));
          return true;
        }
        if (event.key === "Enter" || event.key === "Tab") {
          choose(view, menu, menu.items[menu.index].name);
          return true;
        }
        if (event.key === "Escape") {
          view.dispatch(view.state.tr.setMeta(slashKey, { dismiss: true }));
          return true;
        }
        return false;
      }
    },
    view(view) {
      const list = el("ul", { class: "slash-menu", role: "listbox", "aria-label": "Insert" });
      list.hidden = true;
      view.dom.parentNode.append(list);
      return {
        update(view) {
          const menu = slashKey.getState(view.state);
          if (!menu || !menu.items) { list.hidden = true; view.dom.removeAttribute("aria-activedescendant"); return; }
          list.textContent = "";
          if (!menu.items.length) list.append(el("li", { class: "empty", text: "Nothing by that name" }));
          menu.items.forEach((item, i) => {
            const option = el("li", { role: "option", id: "slash-" + item.name, "aria-selected": i === menu.index ? "true" : "false" },
              el("strong", { text: item.label }), " ", el("span", { text: item.hint }));
            option.addEventListener("mousedown", (e) => { e.preventDefault(); choose(view, slashKey.getState(view.state), item.name); });
            list.append(option);
          });
          if (menu.items.length) view.dom.setAttribute("aria-activedescendant", "slash-" + menu.items[menu.index].name);
          const at = view.coordsAtPos(menu.from);
          const box = view.dom.parentNode.getBoundingClientRect();
          list.style.top = (at.bottom - box.top + 4) + "px";
          list.style.left = Math.max(0, at.left - box.left) + "px";
          list.hidden = false;
        },
        destroy() { list.remove(); }
      };
    }
  });

  function choose(view, menu, name) {
    view.dispatch(view.state.tr.delete(menu.from, menu.to));
    insert(editor, name);
  }
}

// ---- Commands and the toolbar ------------------------------------------------------------

function markActive(state, type) {
  const { from, $from, to, empty } = state.selection;
  return empty ? !!type.isInSet(state.storedMarks || $from.marks()) : state.doc.rangeHasMark(from, to, type);
}

function blockActive(state, type, attrs) {
  const { $from } = state.selection;
  for (let d = $from.depth; d > 0; d--) {
    const node = $from.node(d);
    if (node.type === type && (!attrs || Object.keys(attrs).every((k) => node.attrs[k] === attrs[k]))) return true;
  }
  return false;
}

/// Ctrl+K and the Link button: takes a link off, or asks where one leads.
function linkCommand(editor) {
  return (state, dispatch) => {
    if (markActive(state, M.link)) {
      if (dispatch) {
        const { $from } = state.selection;
        let from = state.selection.from, to = state.selection.to;
        if (state.selection.empty) {
          // The whole link the cursor is in.
          const range = linkRange($from);
          from = range.from; to = range.to;
        }
        dispatch(state.tr.removeMark(from, to, M.link));
      }
      return true;
    }
    if (state.selection.empty) return false;
    if (dispatch) {
      ask("Link", [{ name: "href", label: "Address (https://… or /section/story/)", kind: "text", required: true }])
        .then((a) => {
          const view = editor.view;
          const href = a && safeHref(a.href);
          if (href) view.dispatch(view.state.tr.addMark(view.state.selection.from, view.state.selection.to, M.link.create({ href: href })));
          view.focus();
        });
    }
    return true;
  };
}

/// The linked text around the cursor at `$pos`.
function linkRange($pos) {
  const start = $pos.start();
  let from = $pos.pos, to = $pos.pos;
  $pos.parent.forEach((child, offset) => {
    if (child.isText && M.link.isInSet(child.marks)) {
      const a = start + offset, b = a + child.nodeSize;
      if (a <= $pos.pos && $pos.pos <= b) { from = Math.min(from, a); to = Math.max(to, b); }
    }
  });
  return { from: from, to: to };
}

function toggleBlock(type, attrs) {
  return (state, dispatch) => (blockActive(state, type, attrs)
    ? setBlockType(N.paragraph)(state, dispatch)
    : setBlockType(type, attrs)(state, dispatch));
}

function toggleWrap(type) {
  return (state, dispatch) => (blockActive(state, type) ? lift(state, dispatch) : wrapIn(type)(state, dispatch));
}

function toggleList(type) {
  return (state, dispatch) => (blockActive(state, type)
    ? liftListItem(N.list_item)(state, dispatch)
    : wrapInList(type)(state, dispatch));
}

const hardBreak = chainCommands(exitCode, (state, dispatch) => {
  if (dispatch) dispatch(state.tr.replaceSelectionWith(N.hard_break.create()).scrollIntoView());
  return true;
});

function keys(editor) {
  return keymap({
    "Mod-z": undo, "Shift-Mod-z": redo, "Mod-y": redo,
    "Backspace": undoInputRule,
    "Mod-b": toggleMark(M.strong), "Mod-i": toggleMark(M.em), "Mod-`": toggleMark(M.code),
    "Mod-k": linkCommand(editor),
    "Shift-Enter": hardBreak, "Mod-Enter": hardBreak,
    "Enter": splitListItem(N.list_item),
    "Mod-[": liftListItem(N.list_item), "Mod-]": sinkListItem(N.list_item),
    "Mod-Alt-2": setBlockType(N.heading, { level: 2 }), "Mod-Alt-3": setBlockType(N.heading, { level: 3 }),
    "Mod-Alt-0": setBlockType(N.paragraph)
  });
}

function toolbar(editor) {
  const bar = el("div", { class: "visual-toolbar", role: "toolbar", "aria-label": "Formatting" });
  const buttons = [];
  const button = (label, title, command, active) => {
    const b = el("button", { type: "button", title: title, "aria-pressed": active ? "false" : null });
    b.innerHTML = label;
    b.addEventListener("mousedown", (e) => e.preventDefault());
    b.addEventListener("click", () => { command(editor.view.state, editor.view.dispatch, editor.view); editor.view.focus(); });
    buttons.push({ b: b, command: command, active: active });
    bar.append(b);
  };
  button("<b>B</b>", "Bold (Ctrl+B)", toggleMark(M.strong), (s) => markActive(s, M.strong));
  button("<i>I</i>", "Italic (Ctrl+I)", toggleMark(M.em), (s) => markActive(s, M.em));
  button("Link", "Link (Ctrl+K)", linkCommand(editor), (s) => markActive(s, M.link));
  button("H2", "Subheading (## )", toggleBlock(N.heading, { level: 2 }), (s) => blockActive(s, N.heading, { level: 2 }));
  button("H3", "Smaller subheading (### )", toggleBlock(N.heading, { level: 3 }), (s) => blockActive(s, N.heading, { level: 3 }));
  button("“ ”", "Quote (> )", toggleWrap(N.blockquote), (s) => blockActive(s, N.blockquote));
  button("• List", "List (- )", toggleList(N.bullet_list), (s) => blockActive(s, N.bullet_list));
  button("1. List", "Numbered list (1. )", toggleList(N.ordered_list), (s) => blockActive(s, N.ordered_list));
  button("↶", "Undo (Ctrl+Z)", undo);
  button("↷", "Redo (Ctrl+Shift+Z)", redo);

  // Insert: the cards, as the "/" menu lists them.
  const open = el("button", { type: "button", class: "insert", "aria-expanded": "false", "aria-controls": editor.id + "-insert", text: "Insert ▾" });
  const list = el("ul", { class: "insert-menu", id: editor.id + "-insert" });
  list.hidden = true;
  for (const item of MENU) {
    if (item.rawHtml && !editor.rawHtml) continue;
    const b = el("button", { type: "button", "data-insert": item.name }, el("strong", { text: item.label }), " ", el("span", { text: item.hint }));
    b.addEventListener("click", () => { close(); insert(editor, item.name); });
    list.append(el("li", {}, b));
  }
  function close() { list.hidden = true; open.setAttribute("aria-expanded", "false"); }
  open.addEventListener("click", () => {
    list.hidden = !list.hidden;
    open.setAttribute("aria-expanded", list.hidden ? "false" : "true");
    if (!list.hidden) list.querySelector("button").focus();
  });
  list.addEventListener("keydown", (e) => { if (e.key === "Escape") { close(); open.focus(); } });
  bar.append(el("span", { class: "insert-wrap" }, open, list));
  return {
    dom: bar,
    update(state) {
      for (const { b, command, active } of buttons) {
        b.disabled = !command(state, null);
        if (active) b.setAttribute("aria-pressed", active(state) ? "true" : "false");
      }
    }
  };
}

// ---- The editor -------------------------------------------------------------------------------

const MODE_KEY = "masthead.editor.mode";

function post(url, fields, csrf) {
  const data = new URLSearchParams(fields);
  data.set("csrf", csrf);
  return fetch(url, { method: "POST", body: data, credentials: "same-origin" }).then((r) =>
    r.text().then((text) => {
      if (!r.ok) throw new Error(r.status === 422 ? text : "the server answered " + r.status);
      return text;
    }));
}

function mount(textarea) {
  const form = textarea.form;
  const csrf = form.querySelector("input[name=csrf]").value;
  const label = document.getElementById(textarea.id + "-label");
  const hint = label && label.querySelector(".mode-hint");
  const markdownBar = form.querySelector(".toolbar");
  const hidden = el("input", { type: "hidden", name: "body_document" });
  textarea.after(hidden);
  const wrap = el("div", { class: "visual" });
  const said = el("p", { class: "mode-status", role: "status" });
  const switcher = el("button", { type: "button", class: "link mode-switch" });
  textarea.before(el("div", { class: "mode-row" }, switcher, said));
  textarea.before(wrap);
  const editor = {
    id: textarea.id, csrf: csrf, view: null, focusNext: false,
    rawHtml: textarea.hasAttribute("data-raw-html")
  };
  const bar = toolbar(editor);
  wrap.append(bar.dom);
  const surface = el("div", { class: "visual-surface" });
  wrap.append(surface);

  function changed() {
    hidden.value = JSON.stringify(editor.view.state.doc.toJSON());
    // The form's helpers (newsroom.js) listen here: preview, word count, autosave.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function state(doc) {
    return EditorState.create({
      doc: doc,
      // The menu first: while it is open, its keys come before the editor's.
      plugins: [slashMenu(editor), shortcuts, keys(editor), keymap(baseKeymap), history(), dropCursor(), gapCursor()]
    });
  }

  /// A document from its JSON, checked against the schema: null when the visual
  /// editor cannot hold it (then the body opens in Markdown, losing nothing).
  function load(json) {
    try {
      const value = JSON.parse(json);
      if (!value.content || !value.content.length) value.content = [{ type: "paragraph" }];
      const doc = schema.nodeFromJSON(value);
      doc.check();
      return doc;
    } catch (e) {
      return null;
    }
  }

  function files(list) {
    return Array.from(list || []).filter((f) => /^image\//.test(f.type));
  }

  /// Pictures pasted or dropped go to the library, then into the text as picture
  /// cards where they were put.
  function placePictures(pictures, at) {
    const say = (t) => { said.textContent = t; };
    pictures.forEach((file) => {
      window.Masthead.upload(file, csrf, say, "Picture added to the text").then((j) => {
        editor.focusNext = true;
        insertBlock(editor.view, N.picture.create({ src: j.url, alt: j.alt || "", caption: "", credit: "", width: "regular" }), at);
      }).catch((e) => say(e.message));
    });
  }

  function start(doc) {
    if (editor.view) editor.view.destroy();
    editor.view = new EditorView(surface, {
      state: state(doc),
      nodeViews: Object.fromEntries(Object.keys(CARD_ATTRS).map((name) =>
        [name, (node, view, getPos) => new CardView(node, view, getPos, editor)])),
      attributes: {
        class: "visual-body article-body", role: "textbox", "aria-multiline": "true",
        "aria-labelledby": label ? label.id : "", spellcheck: "true"
      },
      transformPastedHTML: cleanPastedHTML,
      handlePaste(view, event, slice) {
        const pictures = files(event.clipboardData && event.clipboardData.files);
        if (pictures.length) { placePictures(pictures, view.state.selection.from); return true; }
        // An address pasted over words links them.
        const text = event.clipboardData && event.clipboardData.getData("text/plain").trim();
        if (text && !view.state.selection.empty && /^https?:\/\/\S+$/.test(text) && slice.content.childCount <= 1) {
          view.dispatch(view.state.tr.addMark(view.state.selection.from, view.state.selection.to, M.link.create({ href: text })));
          return true;
        }
        return false;
      },
      handleDrop(view, event) {
        const pictures = files(event.dataTransfer && event.dataTransfer.files);
        if (!pictures.length) return false;
        const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
        placePictures(pictures, at ? at.pos : view.state.selection.from);
        return true;
      },
      dispatchTransaction(tr) {
        const view = editor.view;
        view.updateState(view.state.apply(tr));
        bar.update(view.state);
        if (tr.docChanged) changed();
      }
    });
    bar.update(editor.view.state);
    hidden.value = JSON.stringify(doc.toJSON());
  }

  function show(mode) {
    const visual = mode === "visual";
    wrap.hidden = !visual;
    textarea.hidden = visual;
    if (markdownBar) markdownBar.hidden = visual;
    if (!visual) hidden.value = "";
    switcher.textContent = visual ? "Switch to Markdown" : "Switch to the visual editor";
    if (hint) hint.textContent = visual ? "" : "(Markdown)";
    try { window.localStorage.setItem(MODE_KEY, mode); } catch (e) { /* private windows */ }
  }

  switcher.addEventListener("click", () => {
    said.textContent = "";
    if (wrap.hidden) {
      post("/newsroom/document/visual", { body_markdown: textarea.value }, csrf)
        .then((json) => {
          const doc = load(json);
          if (!doc) throw new Error("the visual editor cannot show this body");
          start(doc);
          show("visual");
          editor.view.focus();
        })
        .catch((e) => { said.textContent = "Still in Markdown: " + e.message; });
    } else {
      post("/newsroom/document/markdown", { body_document: hidden.value }, csrf)
        .then((markdown) => {
          textarea.value = markdown;
          show("markdown");
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
          textarea.focus();
        })
        .catch((e) => { said.textContent = "Still in the visual editor: " + e.message; });
    }
  });

  let mode = "visual";
  try { mode = window.localStorage.getItem(MODE_KEY) || "visual"; } catch (e) { /* private windows */ }
  const source = document.getElementById(textarea.id + "-document");
  const doc = source && load(source.textContent);
  if (mode === "visual" && doc) {
    start(doc);
    show("visual");
  } else {
    if (mode === "visual") said.textContent = "This body opens in Markdown: the visual editor cannot show all of it.";
    show("markdown");
  }
}

document.querySelectorAll("textarea[data-visual]").forEach(mount);
