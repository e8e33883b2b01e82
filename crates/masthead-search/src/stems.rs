//! Stemming that remembers. tantivy's `Stemmer` runs the Snowball algorithm on every
//! word it meets; a search's passages (`SnippetGenerator`) stem each hit's whole body
//! again, and a profile at 100,000 articles showed the stemmer at a fifth of a search's
//! time and much of a rebuild's. A publication writes with a few tens of thousands of
//! words, most of them many times: each thread remembers the stems it has worked out.

use std::cell::RefCell;
use std::collections::HashMap;
use tantivy::tokenizer::{
    Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Most stems a thread remembers, for each language: when full it forgets them all
/// and starts again (the common words come back at once). About 2 MB at most.
const MOST_REMEMBERED: usize = 30_000;

thread_local! {
    /// Each word's stem, by language, as this thread has worked them out.
    static STEMS: RefCell<HashMap<Language, HashMap<String, String>>> =
        RefCell::new(HashMap::new());
}

/// A token filter that stems as tantivy's `Stemmer` does, remembering each word's stem.
#[derive(Clone)]
pub(crate) struct RememberedStems {
    language: Language,
}

impl RememberedStems {
    pub(crate) fn new(language: Language) -> Self {
        Self { language }
    }
}

impl TokenFilter for RememberedStems {
    type Tokenizer<T: Tokenizer> = RememberedStemsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> RememberedStemsFilter<T> {
        RememberedStemsFilter {
            inner: tokenizer,
            language: self.language,
            // tantivy's own stemmer, for a word not met before.
            one_word: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(self.language))
                .build(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct RememberedStemsFilter<T> {
    inner: T,
    language: Language,
    one_word: TextAnalyzer,
}

impl<T: Tokenizer> Tokenizer for RememberedStemsFilter<T> {
    type TokenStream<'a> = RememberedStemsStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RememberedStemsStream {
            tail: self.inner.token_stream(text),
            language: self.language,
            one_word: &mut self.one_word,
        }
    }
}

pub(crate) struct RememberedStemsStream<'a, T> {
    tail: T,
    language: Language,
    one_word: &'a mut TextAnalyzer,
}

impl<T: TokenStream> TokenStream for RememberedStemsStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        STEMS.with(|stems| {
            let mut stems = stems.borrow_mut();
            let known = stems.entry(self.language).or_default();
            if let Some(stem) = known.get(&token.text) {
                token.text.clear();
                token.text.push_str(stem);
                return;
            }
            let stem = {
                let mut stream = self.one_word.token_stream(&token.text);
                if stream.advance() {
                    stream.token().text.clone()
                } else {
                    token.text.clone()
                }
            };
            if known.len() >= MOST_REMEMBERED {
                known.clear();
            }
            known.insert(std::mem::replace(&mut token.text, stem.clone()), stem);
        });
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer};

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    #[test]
    fn stems_as_tantivys_stemmer_does_and_forgets_when_full() {
        let text = "Councils running the harbour's ferries ran; running councils, ferry \
                    generously generalised HARBOURS";
        for language in [Language::English, Language::French, Language::German] {
            let words = || TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser);
            let mut theirs = words().filter(Stemmer::new(language)).build();
            let mut ours = words().filter(RememberedStems::new(language)).build();
            // Twice: once worked out, once remembered.
            for _ in 0..2 {
                assert_eq!(tokens(&mut ours, text), tokens(&mut theirs, text));
            }
        }
        let remembered = || STEMS.with(|s| s.borrow().get(&Language::English).map(HashMap::len));
        assert!(remembered().unwrap() > 5);
        // Many more words than it keeps: it never holds more.
        let many: String = (0..MOST_REMEMBERED + 500)
            .map(|n| format!("word{n}s "))
            .collect();
        let mut ours = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RememberedStems::new(Language::English))
            .build();
        let stemmed = tokens(&mut ours, &many);
        assert_eq!(stemmed.len(), MOST_REMEMBERED + 500);
        assert_eq!(stemmed[7].0, "word7");
        assert!(remembered().unwrap() <= MOST_REMEMBERED);
        assert_eq!(tokens(&mut ours, "councils")[0].0, "council");
    }
}
