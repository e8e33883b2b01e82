//! `?page=N` on every paged list, on any surface: a page number or no page at all.

use serde::Deserialize;

/// `?page=N`, kept as text so that a bad value is a 404 page, not a bare 400.
#[derive(Deserialize)]
pub(crate) struct PageParam {
    page: Option<String>,
}

impl PageParam {
    /// The 1-based page asked for, or `None` for anything that names no page.
    pub(crate) fn number(&self) -> Option<u32> {
        page_number(self.page.as_deref())
    }
}

/// A `?page=` value as a 1-based page number: absent is page 1, anything that is not
/// a positive whole number names no page.
pub(crate) fn page_number(text: Option<&str>) -> Option<u32> {
    match text {
        None => Some(1),
        Some(text) => text.parse().ok().filter(|n| *n >= 1),
    }
}

#[cfg(test)]
mod tests {
    use super::page_number;

    #[test]
    fn only_positive_whole_numbers_name_a_page() {
        let cases: &[(Option<&str>, Option<u32>)] = &[
            (None, Some(1)),
            (Some("1"), Some(1)),
            (Some("7"), Some(7)),
            (Some("4294967295"), Some(u32::MAX)),
            (Some("4294967296"), None),
            (Some("0"), None),
            (Some("-1"), None),
            (Some(""), None),
            (Some("2.5"), None),
            (Some("two"), None),
            (Some(" 2"), None),
        ];
        for (text, expected) in cases {
            assert_eq!(page_number(*text), *expected, "{text:?}");
        }
    }
}
