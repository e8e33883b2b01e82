//! Reading a page's markup as a browser's tokenizer reads it (`lol_html`), to find
//! what in it could act: scripts, event handlers, script URLs, frames, and tags or
//! attributes that a page of the same kind never has, which is what text that
//! escaped its escaping becomes.

use lol_html::html_content::Element;
use lol_html::{element, text, HtmlRewriter, Settings};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Attributes whose value a browser follows or loads.
const URL_ATTRIBUTES: [&str; 11] = [
    "href",
    "src",
    "action",
    "formaction",
    "srcset",
    "poster",
    "data",
    "xlink:href",
    "background",
    "cite",
    "ping",
];

/// Elements that load or run something, which no page of ours has outside its head.
const ACTIVE_ELEMENTS: [&str; 15] = [
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math", "portal",
    "template", "xss", "isindex", "bgsound", "marquee",
];

/// The script types of ours that hold data, which a browser reads but never runs:
/// structured data, the editor's document, and the import map of the editor's modules.
const DATA_SCRIPTS: [&str; 3] = ["application/ld+json", "application/json", "importmap"];

/// A start tag as (name, its attribute names sorted): what escaped text would add.
pub type Signature = String;

/// What a page holds, as its tokenizer saw it.
#[derive(Debug, Default)]
pub struct Markup {
    /// Every start tag's signature, outside the skipped parts.
    pub signatures: BTreeSet<Signature>,
    /// What could act, each said in a few words.
    pub active: Vec<String>,
    /// The text of each script that holds data, not code (`DATA_SCRIPTS`): JSON all.
    pub json: Vec<String>,
}

impl Markup {
    /// Reads `html`. Elements matching the CSS selector `skip` (with what is inside
    /// them) are left out of the signatures: parts whose markup is written by staff
    /// (an article's body), checked only for what could act.
    pub fn read(html: &str, skip: Option<&str>) -> Self {
        let found = RefCell::new(Markup::default());
        let depth_skipped = std::rc::Rc::new(RefCell::new(0usize));
        let in_json = RefCell::new(false);
        let mut handlers = Vec::new();
        if let Some(skip) = skip {
            let depth = depth_skipped.clone();
            handlers.push(element!(skip, move |el| {
                *depth.borrow_mut() += 1;
                let depth = depth.clone();
                if let Some(ends) = el.end_tag_handlers() {
                    let end: lol_html::EndTagHandler<'static> = Box::new(move |_| {
                        *depth.borrow_mut() -= 1;
                        Ok(())
                    });
                    ends.push(end);
                }
                Ok(())
            }));
        }
        handlers.push(element!("*", |el| {
            let mut found = found.borrow_mut();
            let name = el.tag_name().to_lowercase();
            look_at(&mut found, el, &name);
            if *depth_skipped.borrow() == 0 {
                let mut names: Vec<String> = el.attributes().iter().map(|a| a.name()).collect();
                names.sort();
                found
                    .signatures
                    .insert(format!("{name}[{}]", names.join(",")));
            }
            *in_json.borrow_mut() = name == "script"
                && el
                    .get_attribute("type")
                    .is_some_and(|t| DATA_SCRIPTS.contains(&t.as_str()));
            if *in_json.borrow() {
                found.json.push(String::new());
            }
            Ok(())
        }));
        handlers.push(text!("script", |t| {
            if *in_json.borrow() {
                if let Some(last) = found.borrow_mut().json.last_mut() {
                    last.push_str(t.as_str());
                }
            }
            Ok(())
        }));
        let mut rewriter = HtmlRewriter::new(
            Settings {
                element_content_handlers: handlers,
                ..Settings::new()
            },
            |_: &[u8]| {},
        );
        rewriter
            .write(html.as_bytes())
            .expect("lol_html reads the page");
        rewriter.end().expect("lol_html reads the page");
        found.into_inner()
    }
}

/// Notes in `found` what `el` (named `name`) could do.
fn look_at(found: &mut Markup, el: &Element, name: &str) {
    let place = format!("<{name}>");
    if name == "script" {
        let src = el.get_attribute("src").unwrap_or_default();
        let kind = el.get_attribute("type").unwrap_or_default();
        // Ours: the theme's own files, and data (checked as JSON).
        if !(src.starts_with("/assets/")
            || (src.is_empty() && DATA_SCRIPTS.contains(&kind.as_str())))
        {
            found
                .active
                .push(format!("a script: {place} src={src:?} type={kind:?}"));
        }
    }
    if ACTIVE_ELEMENTS.contains(&name) {
        found.active.push(format!("an active element {place}"));
    }
    if name == "meta" && el.has_attribute("http-equiv") {
        found.active.push("a <meta http-equiv>".into());
    }
    for attribute in el.attributes() {
        let attr = attribute.name().to_lowercase();
        // lol_html gives values as written; a browser reads their character references.
        let value = html_escape::decode_html_entities(&attribute.value()).into_owned();
        if attr.starts_with("on") {
            found
                .active
                .push(format!("a handler {attr}={value:?} on {place}"));
        }
        if URL_ATTRIBUTES.contains(&attr.as_str()) && is_script_url(&value) {
            found
                .active
                .push(format!("a script URL {attr}={value:?} on {place}"));
        }
        if attr == "style" && value.to_lowercase().contains("expression") {
            found.active.push(format!("a style expression on {place}"));
        }
    }
}

/// Whether a browser would run `url`. As the URL standard parses one: leading and
/// trailing C0 controls and spaces are dropped, and tabs and newlines anywhere; any
/// other control character ends the scheme, which makes the URL a relative one.
pub fn is_script_url(url: &str) -> bool {
    let scheme: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take(16)
        .collect::<String>()
        .to_lowercase();
    [
        "javascript:",
        "vbscript:",
        "data:text",
        "data:application",
        "livescript:",
    ]
    .iter()
    .any(|s| scheme.starts_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_could_act_is_found_and_plain_pages_pass() {
        let page = r#"<html><head><script src="/assets/a.js"></script>
            <script type="application/ld+json">{"a":1}</script></head><body>
            <a href="/x">x</a><textarea>&lt;script&gt;</textarea><p title="&quot;&gt;">t</p>"#;
        let m = Markup::read(page, None);
        assert!(m.active.is_empty(), "{:?}", m.active);
        assert!(m.signatures.contains("a[href]"));
        for bad in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=' jav&#x09;ascript:alert(1)'>x</a>",
            "<a href='&#x20; JaVa\nscript:alert(1)'>x</a>",
            "<svg><g/onload=alert(2)//<p>",
            "<iframe src=//x></iframe>",
            "<meta http-equiv=refresh content=0>",
        ] {
            let m = Markup::read(&format!("<p>{bad}</p>"), None);
            assert!(!m.active.is_empty(), "{bad}");
        }
        // A control character inside the scheme makes a relative URL.
        assert!(!is_script_url("java\u{1}script:alert(1)"));
        // Text inside a title or textarea stays text.
        let m = Markup::read("<title><script>x</script></title>", None);
        assert!(m.active.is_empty(), "{:?}", m.active);
        // Skipped parts add no signatures, but are still checked.
        let m = Markup::read(
            r#"<div class="body"><em>a</em><b onclick="x">b</b></div><i>c</i>"#,
            Some(".body"),
        );
        assert!(!m.signatures.iter().any(|s| s.starts_with("em[")));
        assert!(m.signatures.contains("i[]"));
        assert_eq!(m.active.len(), 1);
    }
}
