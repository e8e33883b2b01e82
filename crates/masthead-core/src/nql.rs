//! NQL, the filter language of Ghost's APIs (`filter=tag:[news,updates]+featured:true`),
//! parsed into a tree that the store turns into SQL with bound values: no part of a
//! filter is ever pasted into a query. Pure: no I/O, no clock (relative dates stay
//! relative until `Value::at`).
//!
//! Grammar (Ghost's `nql-lang`):
//!
//! ```text
//! expression := and ( "," and )*            "," is OR, the weakest
//! and        := term ( "+" term )*          "+" is AND
//! term       := "(" expression ")" | "-"? PROPERTY ":" match
//! match      := value | "-" value | (">" | ">=" | "<" | "<=") value
//!             | "-"? "[" value ( "," value )* "]"
//!             | "-"? ("~" | "~^" | "~$") value
//! value      := null | true | false | NUMBER | LITERAL | 'quoted string'
//!             | now-30d   (also +; units d w M y h m s)
//! ```
//!
//! A `-` before a property (`-tag:internal`, as Ghost's documentation writes it)
//! negates the whole condition. Whitespace between tokens is ignored.

use chrono::{DateTime, Duration, Months, Utc};
use std::fmt;

/// Longest filter taken, in characters.
pub const MAX_CHARS: usize = 4_096;
/// Deepest nesting of parentheses.
pub const MAX_DEPTH: usize = 16;
/// Most conditions in one filter.
pub const MAX_CONDITIONS: usize = 64;
/// Most values in one `[...]` list.
pub const MAX_LIST: usize = 100;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every one holds.
    All(Vec<Filter>),
    /// At least one holds.
    Any(Vec<Filter>),
    /// One property compared: `property` is lowercased, dots kept (`authors.slug`).
    Condition {
        property: String,
        op: Op,
        operand: Operand,
    },
    /// The condition does not hold (`-tag:internal`).
    Not(Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
    NotContains,
    NotStartsWith,
    NotEndsWith,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    One(Value),
    /// For `In` and `NotIn`.
    List(Vec<Value>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    /// `now-30d`: a time relative to when the filter is run.
    Relative(Relative),
}

/// `now` moved by `amount` (negative: back) of `unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relative {
    pub amount: i64,
    pub unit: char,
}

impl Relative {
    /// The moment this names, `now` being `now`; `None` past the calendar's ends.
    pub fn at(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let months = |n: i64| -> Option<DateTime<Utc>> {
            let m = Months::new(u32::try_from(n.unsigned_abs()).ok()?);
            if n < 0 {
                now.checked_sub_months(m)
            } else {
                now.checked_add_months(m)
            }
        };
        let seconds = |per: i64| {
            self.amount
                .checked_mul(per)
                .and_then(Duration::try_seconds)
                .and_then(|d| now.checked_add_signed(d))
        };
        match self.unit {
            's' => seconds(1),
            'm' => seconds(60),
            'h' => seconds(3_600),
            'd' => seconds(86_400),
            'w' => seconds(7 * 86_400),
            'M' => months(self.amount),
            'y' => months(self.amount.checked_mul(12)?),
            _ => None,
        }
    }
}

/// Why a filter does not parse, and where (a character index, from 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NqlError {
    pub at: usize,
    pub message: String,
}

impl fmt::Display for NqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Query Error: {} in filter at char {}",
            self.message, self.at
        )
    }
}

impl std::error::Error for NqlError {}

/// Parses `input`; an empty filter (or only spaces) is `None`.
pub fn parse(input: &str) -> Result<Option<Filter>, NqlError> {
    let chars: Vec<char> = input.chars().collect();
    if chars.len() > MAX_CHARS {
        return Err(NqlError {
            at: MAX_CHARS,
            message: format!("filter longer than {MAX_CHARS} characters"),
        });
    }
    let mut p = Parser {
        chars,
        at: 0,
        depth: 0,
        conditions: 0,
    };
    p.skip_spaces();
    if p.at == p.chars.len() {
        return Ok(None);
    }
    let filter = p.expression()?;
    p.skip_spaces();
    if p.at < p.chars.len() {
        return Err(p.unexpected());
    }
    Ok(Some(filter))
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    depth: usize,
    conditions: usize,
}

/// Characters that end a bare literal unless escaped with `\`.
const SPECIAL: &[char] = &['\'', '"', '+', ',', '(', ')', '>', '<', '=', '[', ']', '~'];

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_spaces();
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn unexpected(&self) -> NqlError {
        NqlError {
            at: self.at,
            message: match self.peek() {
                Some(_) => "unexpected character".to_owned(),
                None => "unexpected end".to_owned(),
            },
        }
    }

    fn error(&self, message: impl Into<String>) -> NqlError {
        NqlError {
            at: self.at,
            message: message.into(),
        }
    }

    fn expression(&mut self) -> Result<Filter, NqlError> {
        let mut any = vec![self.and()?];
        while self.eat(',') {
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Filter::Any(any)
        })
    }

    fn and(&mut self) -> Result<Filter, NqlError> {
        let mut all = vec![self.term()?];
        while self.eat('+') {
            all.push(self.term()?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Filter::All(all)
        })
    }

    fn term(&mut self) -> Result<Filter, NqlError> {
        if self.eat('(') {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(self.error(format!("more than {MAX_DEPTH} levels of parentheses")));
            }
            let inner = self.expression()?;
            if !self.eat(')') {
                return Err(self.unexpected());
            }
            self.depth -= 1;
            return Ok(inner);
        }
        let negated = self.eat('-');
        let condition = self.condition()?;
        Ok(if negated {
            Filter::Not(Box::new(condition))
        } else {
            condition
        })
    }

    fn condition(&mut self) -> Result<Filter, NqlError> {
        self.skip_spaces();
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(self.error(format!("more than {MAX_CONDITIONS} conditions")));
        }
        let start = self.at;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
            _ => return Err(self.unexpected()),
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            self.at += 1;
        }
        let property: String = self.chars[start..self.at]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        if self.peek() != Some(':') {
            return Err(self.unexpected());
        }
        self.at += 1;
        let (op, operand) = self.matching()?;
        Ok(Filter::Condition {
            property,
            op,
            operand,
        })
    }

    fn matching(&mut self) -> Result<(Op, Operand), NqlError> {
        self.skip_spaces();
        // Values never start with `-`: one here negates.
        let negated = self.peek() == Some('-');
        if negated {
            self.at += 1;
        }
        self.skip_spaces();
        let rest: String = self.chars[self.at..].iter().take(2).collect();
        let op = if rest.starts_with('[') {
            self.at += 1;
            let list = self.list()?;
            return Ok((
                if negated { Op::NotIn } else { Op::In },
                Operand::List(list),
            ));
        } else if rest.starts_with("~^") {
            self.at += 2;
            if negated {
                Op::NotStartsWith
            } else {
                Op::StartsWith
            }
        } else if rest.starts_with("~$") {
            self.at += 2;
            if negated {
                Op::NotEndsWith
            } else {
                Op::EndsWith
            }
        } else if rest.starts_with('~') {
            self.at += 1;
            if negated {
                Op::NotContains
            } else {
                Op::Contains
            }
        } else if negated {
            Op::Ne
        } else if rest.starts_with(">=") {
            self.at += 2;
            Op::Gte
        } else if rest.starts_with("<=") {
            self.at += 2;
            Op::Lte
        } else if rest.starts_with('>') {
            self.at += 1;
            Op::Gt
        } else if rest.starts_with('<') {
            self.at += 1;
            Op::Lt
        } else {
            Op::Eq
        };
        Ok((op, Operand::One(self.value()?)))
    }

    /// Whether the characters after a `+` here are a relative date's offset: digits,
    /// a unit, then the end of the value.
    fn offset_follows(&self) -> bool {
        let rest = &self.chars[self.at + 1..];
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        digits > 0
            && rest.get(digits).is_some_and(|u| "smhdwMy".contains(*u))
            && rest
                .get(digits + 1)
                .is_none_or(|c| c.is_whitespace() || SPECIAL.contains(c))
    }

    fn list(&mut self) -> Result<Vec<Value>, NqlError> {
        let mut values = vec![self.value()?];
        loop {
            if self.eat(']') {
                return Ok(values);
            }
            if !self.eat(',') {
                return Err(self.unexpected());
            }
            if values.len() == MAX_LIST {
                return Err(self.error(format!("more than {MAX_LIST} values in a list")));
            }
            values.push(self.value()?);
        }
    }

    fn value(&mut self) -> Result<Value, NqlError> {
        self.skip_spaces();
        match self.peek() {
            Some('\'') => {
                self.at += 1;
                let mut text = String::new();
                loop {
                    match self.peek() {
                        None => return Err(self.unexpected()),
                        Some('\'') => {
                            self.at += 1;
                            return Ok(Value::Text(text));
                        }
                        Some('\\') => {
                            self.at += 1;
                            let Some(c) = self.peek() else {
                                return Err(self.unexpected());
                            };
                            text.push(c);
                            self.at += 1;
                        }
                        Some(c) => {
                            text.push(c);
                            self.at += 1;
                        }
                    }
                }
            }
            Some(c) if c != '-' && !c.is_whitespace() && !SPECIAL.contains(&c) => {
                let mut text = String::new();
                while let Some(c) = self.peek() {
                    if c == '\\' {
                        self.at += 1;
                        let Some(escaped) = self.peek() else {
                            return Err(self.unexpected());
                        };
                        text.push(escaped);
                        self.at += 1;
                    } else if c == '+' && text == "now" && self.offset_follows() {
                        // `now+3d`: the one place `+` is part of a value (`now+b:c`
                        // is still two conditions).
                        text.push(c);
                        self.at += 1;
                    } else if c.is_whitespace() || SPECIAL.contains(&c) {
                        break;
                    } else {
                        text.push(c);
                        self.at += 1;
                    }
                }
                Ok(word(text))
            }
            _ => Err(self.unexpected()),
        }
    }
}

/// What a bare literal is: a keyword, a number, a relative date, or text.
fn word(text: String) -> Value {
    match text.to_ascii_lowercase().as_str() {
        "null" => return Value::Null,
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let number = match text.split_once('.') {
        Some((whole, part)) => numeric(whole) && numeric(part),
        None => numeric(&text),
    };
    if number {
        if let Ok(n) = text.parse::<f64>() {
            return Value::Number(n);
        }
    }
    if let Some(rest) = text.strip_prefix("now") {
        let mut chars = rest.chars();
        let sign = match chars.next() {
            Some('-') => Some(-1),
            Some('+') => Some(1),
            _ => None,
        };
        let body = chars.as_str();
        if let (Some(sign), Some(unit)) = (sign, body.chars().last()) {
            let digits = &body[..body.len() - unit.len_utf8()];
            if "smhdwMy".contains(unit) && numeric(digits) {
                if let Ok(n) = digits.parse::<i64>() {
                    return Value::Relative(Relative {
                        amount: sign * n,
                        unit,
                    });
                }
            }
        }
    }
    Value::Text(text)
}

/// Whether `filter` holds of a thing whose properties `lookup` gives (each as its
/// values written as text: one for a name, several for a thing's tags; `None` for a
/// property it has not, which is an error naming it). For the short lists (tags,
/// authors, tiers) filtered in memory; relative dates resolve against `now`.
pub fn holds(
    filter: &Filter,
    lookup: &dyn Fn(&str) -> Option<Vec<String>>,
    now: DateTime<Utc>,
) -> std::result::Result<bool, String> {
    Ok(match filter {
        Filter::All(list) => {
            for f in list {
                if !holds(f, lookup, now)? {
                    return Ok(false);
                }
            }
            true
        }
        Filter::Any(list) => {
            for f in list {
                if holds(f, lookup, now)? {
                    return Ok(true);
                }
            }
            false
        }
        Filter::Not(inner) => !holds(inner, lookup, now)?,
        Filter::Condition {
            property,
            op,
            operand,
        } => {
            let values =
                lookup(property).ok_or_else(|| format!("cannot filter by {property:?}"))?;
            let text = |v: &Value| -> Option<String> {
                match v {
                    Value::Null => None,
                    Value::Bool(b) => Some(b.to_string()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Text(t) => Some(t.clone()),
                    Value::Relative(r) => r.at(now).map(|t| t.to_rfc3339()),
                }
            };
            let compare = |have: &str, want: &str| -> std::cmp::Ordering {
                match (have.parse::<f64>(), want.parse::<f64>()) {
                    (Ok(a), Ok(b)) => a.total_cmp(&b),
                    _ => have.cmp(want),
                }
            };
            let any = |test: &dyn Fn(&str) -> bool| values.iter().any(|v| test(v));
            let list = || match operand {
                Operand::List(l) => l.iter().filter_map(text).collect::<Vec<_>>(),
                Operand::One(v) => text(v).into_iter().collect(),
            };
            let one = match operand {
                Operand::One(v) => text(v),
                Operand::List(_) => None,
            };
            let lower = |s: &str| s.to_lowercase();
            match (op, one) {
                (Op::Eq, None) => values.is_empty(),
                (Op::Ne, None) => !values.is_empty(),
                (Op::Eq, Some(w)) => any(&|v| compare(v, &w).is_eq()),
                (Op::Ne, Some(w)) => !any(&|v| compare(v, &w).is_eq()),
                (Op::Gt, Some(w)) => any(&|v| compare(v, &w).is_gt()),
                (Op::Gte, Some(w)) => any(&|v| compare(v, &w).is_ge()),
                (Op::Lt, Some(w)) => any(&|v| compare(v, &w).is_lt()),
                (Op::Lte, Some(w)) => any(&|v| compare(v, &w).is_le()),
                (Op::In, _) => {
                    let wanted = list();
                    any(&|v| wanted.iter().any(|w| compare(v, w).is_eq()))
                }
                (Op::NotIn, _) => {
                    let wanted = list();
                    !any(&|v| wanted.iter().any(|w| compare(v, w).is_eq()))
                }
                (Op::Contains, Some(w)) => any(&|v| lower(v).contains(&lower(&w))),
                (Op::StartsWith, Some(w)) => any(&|v| lower(v).starts_with(&lower(&w))),
                (Op::EndsWith, Some(w)) => any(&|v| lower(v).ends_with(&lower(&w))),
                (Op::NotContains, Some(w)) => !any(&|v| lower(v).contains(&lower(&w))),
                (Op::NotStartsWith, Some(w)) => !any(&|v| lower(v).starts_with(&lower(&w))),
                (Op::NotEndsWith, Some(w)) => !any(&|v| lower(v).ends_with(&lower(&w))),
                (_, None) => false,
            }
        }
    })
}

/// An id as Ghost's APIs write one: 24 hexadecimal characters.
pub fn ghost_id(n: i64) -> String {
    format!("{n:024x}")
}

/// An id as the APIs take one: Ghost's 24 hexadecimal characters, or a number.
pub fn post_id(text: &str) -> Option<i64> {
    if text.len() == 24 {
        i64::from_str_radix(text, 16).ok().filter(|n| *n >= 0)
    } else {
        text.parse().ok()
    }
}

/// What a post may be filtered and ordered by, under the names Ghost's clients use
/// (and Masthead's own: `section`, `article_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostField {
    Id,
    Slug,
    Title,
    CustomExcerpt,
    Visibility,
    Status,
    /// "post" for every article (Ghost's `type`; `page:false` in old filters).
    Type,
    /// Ghost's featured flag: no article is featured this way (fronts choose).
    Featured,
    PublishedAt,
    UpdatedAt,
    CreatedAt,
    /// Any of its tags, by slug.
    Tag,
    /// Its first tag.
    PrimaryTag,
    /// Any of its bylines, by slug.
    Author,
    /// Its first byline.
    PrimaryAuthor,
    /// Its section, by slug.
    Section,
    ArticleType,
}

impl PostField {
    /// The field a filter's property names (Ghost's aliases included); `None` for one
    /// that cannot be filtered on, such as an author's email.
    pub fn named(property: &str) -> Option<Self> {
        Some(match property {
            "id" => Self::Id,
            "slug" => Self::Slug,
            "title" => Self::Title,
            "custom_excerpt" => Self::CustomExcerpt,
            "visibility" => Self::Visibility,
            "status" => Self::Status,
            "type" | "page" => Self::Type,
            "featured" => Self::Featured,
            "published_at" => Self::PublishedAt,
            "updated_at" => Self::UpdatedAt,
            "created_at" => Self::CreatedAt,
            "tag" | "tags" | "tags.slug" => Self::Tag,
            "primary_tag" | "primary_tag.slug" => Self::PrimaryTag,
            "author" | "authors" | "authors.slug" => Self::Author,
            "primary_author" | "primary_author.slug" => Self::PrimaryAuthor,
            "section" | "section.slug" => Self::Section,
            "article_type" => Self::ArticleType,
            _ => return None,
        })
    }

    /// Whether posts may be ordered by it.
    pub fn orders(self) -> bool {
        matches!(
            self,
            Self::Id
                | Self::Slug
                | Self::Title
                | Self::PublishedAt
                | Self::UpdatedAt
                | Self::CreatedAt
        )
    }

    /// Whether its values are times.
    pub fn is_time(self) -> bool {
        matches!(self, Self::PublishedAt | Self::UpdatedAt | Self::CreatedAt)
    }
}

/// One key of an `order`: `published_at desc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub field: PostField,
    pub descending: bool,
}

/// Reads an `order` parameter as (field, descending) pairs: `field dir` split by
/// commas, the field lowercased, the direction `asc` or `desc` in any case (ascending
/// when left out), at most 4. Which fields order what is the caller's to say.
pub fn order_keys(input: &str) -> std::result::Result<Vec<(String, bool)>, String> {
    let mut keys = Vec::new();
    for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let name = words.next().unwrap_or_default().to_ascii_lowercase();
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => return Err(format!("{other:?} is not asc or desc")),
        };
        if words.next().is_some() {
            return Err(format!("{part:?} is not a field and a direction"));
        }
        keys.push((name, descending));
    }
    if keys.len() > 4 {
        return Err("at most 4 orders".into());
    }
    Ok(keys)
}

/// Reads an `order` parameter for posts (`order_keys`, each field one posts are
/// ordered by).
pub fn parse_order(input: &str) -> std::result::Result<Vec<Order>, String> {
    order_keys(input)?
        .into_iter()
        .map(|(name, descending)| {
            let field = PostField::named(&name)
                .filter(|f| f.orders())
                .ok_or_else(|| format!("cannot order by {name:?}"))?;
            Ok(Order { field, descending })
        })
        .collect()
}

/// A time a filter compares with: `'2024-01-01'`, `'2024-01-01 10:00:00'`, an RFC 3339
/// time, or a relative one (`now-30d`).
pub fn time_value(value: &Value, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match value {
        Value::Relative(r) => r.at(now),
        Value::Text(t) => DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S")
                    .ok()
                    .map(|t| t.and_utc())
            })
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc())
            }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

/// Published articles as the APIs ask for them: kept by `filter`, in `order` (newest
/// first when empty), one page; relative dates are relative to `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct PostQuery {
    /// Which articles: what readers see, or the newsroom's.
    pub scope: Scope,
    pub filter: Option<Filter>,
    pub order: Vec<Order>,
    pub page: crate::store::PageRequest,
    pub now: DateTime<Utc>,
}

/// Which articles a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Published ones (the Content API), newest publication first by default.
    Published,
    /// Every one not in the bin (the Admin API), last changed first by default.
    Newsroom,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn filters_hold_of_things_in_memory() {
        let now = Utc::now();
        let tag = |slug: &'static str, posts: &'static str| {
            move |property: &str| -> Option<Vec<String>> {
                match property {
                    "slug" => Some(vec![slug.to_owned()]),
                    "name" => Some(vec![slug.to_uppercase()]),
                    "count.posts" => Some(vec![posts.to_owned()]),
                    "parent" => Some(vec![]),
                    _ => None,
                }
            }
        };
        let holds_of = |f: &str, thing: &dyn Fn(&str) -> Option<Vec<String>>| {
            holds(&parse(f).unwrap().unwrap(), thing, now)
        };
        let port = tag("port", "12");
        for (filter, expected) in [
            ("slug:port", true),
            ("slug:-port", false),
            ("slug:[news,port]", true),
            ("slug:-[news,port]", false),
            ("name:~OR", true),
            ("name:~^po", true),
            ("name:~$rt", true),
            ("name:-~x", true),
            ("count.posts:>9", true),
            ("count.posts:>100", false),
            ("count.posts:<=12", true),
            ("parent:null", true),
            ("-slug:port", false),
            ("slug:news,count.posts:12", true),
            ("slug:news+count.posts:12", false),
        ] {
            assert_eq!(holds_of(filter, &port), Ok(expected), "{filter}");
        }
        assert!(holds_of("email:x", &port).unwrap_err().contains("email"));
    }

    #[test]
    fn orders_read_as_ghost_writes_them() {
        let o = |field, descending| Order { field, descending };
        assert_eq!(
            parse_order("published_at asc").unwrap(),
            [o(PostField::PublishedAt, false)]
        );
        assert_eq!(
            parse_order("title DESC, slug").unwrap(),
            [o(PostField::Title, true), o(PostField::Slug, false)]
        );
        assert_eq!(parse_order("").unwrap(), []);
        for bad in [
            "tag asc",
            "title sideways",
            "title asc extra",
            "email desc",
            "a,b,c,d,e",
        ] {
            assert!(parse_order(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_in_every_shape_ghost_clients_send() {
        let now = DateTime::parse_from_rfc3339("2026-03-31T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let t = |v: Value| time_value(&v, now).map(|t| t.to_rfc3339());
        assert_eq!(t(text("2024-01-01")).unwrap(), "2024-01-01T00:00:00+00:00");
        assert_eq!(
            t(text("2024-01-01 10:30:00")).unwrap(),
            "2024-01-01T10:30:00+00:00"
        );
        assert_eq!(
            t(text("2024-01-01T10:30:00+02:00")).unwrap(),
            "2024-01-01T08:30:00+00:00"
        );
        assert_eq!(
            t(Value::Relative(Relative {
                amount: -1,
                unit: 'w'
            }))
            .unwrap(),
            "2026-03-24T12:00:00+00:00"
        );
        assert_eq!(t(text("yesterday")), None);
        assert_eq!(t(Value::Number(2024.0)), None);
    }

    fn eq(property: &str, value: Value) -> Filter {
        Filter::Condition {
            property: property.into(),
            op: Op::Eq,
            operand: Operand::One(value),
        }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn ghosts_documented_examples() {
        for (filter, expected) in [
            ("featured:true", eq("featured", Value::Bool(true))),
            ("tag:getting-started", eq("tag", text("getting-started"))),
            (
                "tag:[news,updates]+featured:true",
                Filter::All(vec![
                    Filter::Condition {
                        property: "tag".into(),
                        op: Op::In,
                        operand: Operand::List(vec![text("news"), text("updates")]),
                    },
                    eq("featured", Value::Bool(true)),
                ]),
            ),
            (
                "published_at:>'2024-01-01'",
                Filter::Condition {
                    property: "published_at".into(),
                    op: Op::Gt,
                    operand: Operand::One(text("2024-01-01")),
                },
            ),
            (
                "-tag:internal",
                Filter::Not(Box::new(eq("tag", text("internal")))),
            ),
            ("visibility:public", eq("visibility", text("public"))),
            (
                "title:~ghost",
                Filter::Condition {
                    property: "title".into(),
                    op: Op::Contains,
                    operand: Operand::One(text("ghost")),
                },
            ),
        ] {
            assert_eq!(parse(filter).unwrap(), Some(expected), "{filter}");
        }
    }

    #[test]
    fn every_operator() {
        let op = |f: &str| match parse(f).unwrap() {
            Some(Filter::Condition { op, .. }) => op,
            other => panic!("{f}: {other:?}"),
        };
        for (filter, expected) in [
            ("a:1", Op::Eq),
            ("a:-1", Op::Ne),
            ("a:>1", Op::Gt),
            ("a:>=1", Op::Gte),
            ("a:<1", Op::Lt),
            ("a:<=1", Op::Lte),
            ("a:[1,2]", Op::In),
            ("a:-[1,2]", Op::NotIn),
            ("a:~x", Op::Contains),
            ("a:~^x", Op::StartsWith),
            ("a:~$x", Op::EndsWith),
            ("a:-~x", Op::NotContains),
            ("a:-~^x", Op::NotStartsWith),
            ("a:-~$x", Op::NotEndsWith),
        ] {
            assert_eq!(op(filter), expected, "{filter}");
        }
    }

    #[test]
    fn values_and_precedence() {
        assert_eq!(
            parse("a:null+b:TRUE+c:False+d:12+e:1.5+f:2024-01-01+g:now-30d+h:'it\\'s here'")
                .unwrap(),
            Some(Filter::All(vec![
                eq("a", Value::Null),
                eq("b", Value::Bool(true)),
                eq("c", Value::Bool(false)),
                eq("d", Value::Number(12.0)),
                eq("e", Value::Number(1.5)),
                eq("f", text("2024-01-01")),
                eq(
                    "g",
                    Value::Relative(Relative {
                        amount: -30,
                        unit: 'd'
                    })
                ),
                eq("h", text("it's here")),
            ]))
        );
        // "+" binds tighter than ",", parentheses tighter still.
        assert_eq!(
            parse("a:1,b:2+c:3").unwrap(),
            Some(Filter::Any(vec![
                eq("a", Value::Number(1.0)),
                Filter::All(vec![
                    eq("b", Value::Number(2.0)),
                    eq("c", Value::Number(3.0))
                ]),
            ]))
        );
        assert_eq!(
            parse("(a:1,b:2)+c:3").unwrap(),
            Some(Filter::All(vec![
                Filter::Any(vec![
                    eq("a", Value::Number(1.0)),
                    eq("b", Value::Number(2.0))
                ]),
                eq("c", Value::Number(3.0)),
            ]))
        );
        // Properties are lowercased, dotted paths kept; escaped specials are text.
        assert_eq!(
            parse(" Authors.Slug: [ ann , bob ] ").unwrap(),
            Some(Filter::Condition {
                property: "authors.slug".into(),
                op: Op::In,
                operand: Operand::List(vec![text("ann"), text("bob")]),
            })
        );
        assert_eq!(parse("a:x\\+y").unwrap(), Some(eq("a", text("x+y"))));
        assert_eq!(
            parse("a:now+3d").unwrap(),
            Some(eq(
                "a",
                Value::Relative(Relative {
                    amount: 3,
                    unit: 'd'
                })
            ))
        );
        assert_eq!(
            parse("a:now+b:c").unwrap(),
            Some(Filter::All(vec![eq("a", text("now")), eq("b", text("c"))]))
        );
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("   ").unwrap(), None);
    }

    #[test]
    fn relative_dates_resolve_against_the_clock() {
        let now = DateTime::parse_from_rfc3339("2026-03-31T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |amount, unit| Relative { amount, unit }.at(now).map(|t| t.to_rfc3339());
        assert_eq!(at(-30, 'd').unwrap(), "2026-03-01T12:00:00+00:00");
        assert_eq!(at(-1, 'M').unwrap(), "2026-02-28T12:00:00+00:00");
        assert_eq!(at(1, 'y').unwrap(), "2027-03-31T12:00:00+00:00");
        assert_eq!(at(-2, 'h').unwrap(), "2026-03-31T10:00:00+00:00");
        assert_eq!(at(i64::MAX, 'd'), None);
        assert_eq!(at(i64::MIN, 'y'), None);
    }

    #[test]
    fn mistakes_say_where() {
        for (filter, at) in [
            ("tag", 3),
            ("tag:", 4),
            (":x", 0),
            ("a:b+", 4),
            ("a:[b,c", 6),
            ("a:'open", 7),
            ("(a:b", 4),
            ("a:b)", 3),
            ("a:b c:d", 4),
            ("a:--b", 3),
            ("1a:b", 0),
        ] {
            let e = parse(filter).unwrap_err();
            assert_eq!(e.at, at, "{filter}: {e}");
            assert!(e.to_string().starts_with("Query Error: "), "{e}");
        }
    }

    #[test]
    fn limits_bound_the_work() {
        let deep = format!(
            "{}a:b{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(&deep).unwrap_err().message.contains("parentheses"));
        let ok = format!("{}a:b{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let many = vec!["a:b"; MAX_CONDITIONS + 1].join("+");
        assert!(parse(&many).unwrap_err().message.contains("conditions"));
        let list = format!("a:[{}]", vec!["x"; MAX_LIST + 1].join(","));
        assert!(parse(&list).unwrap_err().message.contains("list"));
        let long = format!("a:{}", "x".repeat(MAX_CHARS));
        assert!(parse(&long).unwrap_err().message.contains("longer"));
    }

    /// A filter written back as NQL, for the round trip.
    fn write(f: &Filter) -> String {
        fn value(v: &Value) -> String {
            match v {
                Value::Null => "null".into(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                Value::Text(t) => format!("'{}'", t.replace('\\', "\\\\").replace('\'', "\\'")),
                Value::Relative(r) => format!("now{:+}{}", r.amount, r.unit),
            }
        }
        match f {
            Filter::All(list) => list
                .iter()
                .map(|f| format!("({})", write(f)))
                .collect::<Vec<_>>()
                .join("+"),
            Filter::Any(list) => list
                .iter()
                .map(|f| format!("({})", write(f)))
                .collect::<Vec<_>>()
                .join(","),
            Filter::Not(inner) => format!("-{}", write(inner)),
            Filter::Condition {
                property,
                op,
                operand,
            } => {
                let operand = match operand {
                    Operand::One(v) => value(v),
                    Operand::List(l) => {
                        format!("[{}]", l.iter().map(value).collect::<Vec<_>>().join(","))
                    }
                };
                let op = match op {
                    Op::Eq | Op::In => "",
                    Op::Ne | Op::NotIn => "-",
                    Op::Gt => ">",
                    Op::Gte => ">=",
                    Op::Lt => "<",
                    Op::Lte => "<=",
                    Op::Contains => "~",
                    Op::StartsWith => "~^",
                    Op::EndsWith => "~$",
                    Op::NotContains => "-~",
                    Op::NotStartsWith => "-~^",
                    Op::NotEndsWith => "-~$",
                };
                format!("{property}:{op}{operand}")
            }
        }
    }

    fn values() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0u32..100_000).prop_map(|n| Value::Number(f64::from(n))),
            "[^\\\\]{0,12}".prop_map(Value::Text),
            (
                -500i64..500,
                prop::sample::select(vec!['s', 'm', 'h', 'd', 'w', 'M', 'y'])
            )
                .prop_map(|(amount, unit)| Value::Relative(Relative { amount, unit })),
        ]
    }

    fn conditions() -> impl Strategy<Value = Filter> {
        let one = (
            "[a-z_][a-z0-9_.]{0,10}",
            prop::sample::select(vec![
                Op::Eq,
                Op::Ne,
                Op::Gt,
                Op::Gte,
                Op::Lt,
                Op::Lte,
                Op::Contains,
                Op::StartsWith,
                Op::EndsWith,
                Op::NotContains,
                Op::NotStartsWith,
                Op::NotEndsWith,
            ]),
            values(),
        )
            .prop_map(|(property, op, v)| Filter::Condition {
                property,
                op,
                operand: Operand::One(v),
            });
        let list = (
            "[a-z_][a-z0-9_.]{0,10}",
            any::<bool>(),
            prop::collection::vec(values(), 1..5),
        )
            .prop_map(|(property, not, l)| Filter::Condition {
                property,
                op: if not { Op::NotIn } else { Op::In },
                operand: Operand::List(l),
            });
        prop_oneof![one, list]
    }

    fn filters() -> impl Strategy<Value = Filter> {
        conditions().prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::All),
                prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::Any),
                conditions().prop_map(|c| Filter::Not(Box::new(c))),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Anything at all: an answer, never a panic.
        #[test]
        fn any_text_parses_or_says_why(input in "\\PC{0,80}") {
            let _ = parse(&input);
        }

        /// Text made of NQL's own characters, where the parser's corners are.
        #[test]
        fn nql_shaped_text_parses_or_says_why(input in "[a-z:()\\[\\],+\\-~^$<>='\\\\ 0-9.]{0,60}") {
            if let Err(e) = parse(&input) {
                prop_assert!(e.at <= input.chars().count());
            }
        }

        /// Every tree, written out, reads back as itself.
        #[test]
        fn written_filters_read_back(filter in filters()) {
            let written = write(&filter);
            let read = parse(&written).unwrap().unwrap();
            prop_assert_eq!(normal(read), normal(filter), "{}", written);
        }
    }

    /// `All` and `Any` inside their own kind flattened (what parentheses leave).
    fn normal(f: Filter) -> Filter {
        match f {
            Filter::All(list) => Filter::All(
                list.into_iter()
                    .map(normal)
                    .flat_map(|f| match f {
                        Filter::All(inner) => inner,
                        f => vec![f],
                    })
                    .collect(),
            ),
            Filter::Any(list) => Filter::Any(
                list.into_iter()
                    .map(normal)
                    .flat_map(|f| match f {
                        Filter::Any(inner) => inner,
                        f => vec![f],
                    })
                    .collect(),
            ),
            Filter::Not(inner) => Filter::Not(Box::new(normal(*inner))),
            c => c,
        }
    }
}
