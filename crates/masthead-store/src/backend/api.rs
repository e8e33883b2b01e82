//! Published articles as the APIs ask for them (`ArticleStore::api_posts`): an NQL
//! filter (`masthead_core::nql`) turned into SQL. Every value of a filter is bound;
//! only column names this file chooses, operators and placeholders are written into
//! the query's text.

use super::common::*;
use super::dialect::ts;
use super::Db;
use crate::rows::*;
use chrono::{DateTime, Utc};
use masthead_core::article::Article;
use masthead_core::nql::{time_value, Filter, Op, Operand, PostField, PostQuery, Scope, Value};
use masthead_core::store::Page;
use masthead_core::{Error, Result};
use sqlx::QueryBuilder;

/// What every API query starts from: articles with their section, of the query's
/// scope.
fn from(scope: Scope) -> &'static str {
    match scope {
        Scope::Published => {
            " FROM articles a LEFT JOIN sections s ON s.id = a.section_id \
             WHERE a.status = 'published'"
        }
        Scope::Newsroom => {
            " FROM articles a LEFT JOIN sections s ON s.id = a.section_id \
             WHERE a.status <> 'deleted'"
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid("filter", message)
}

/// How a field is reached: a column of the article (or its section), a value every
/// article has, or a related row that must exist.
enum Reach {
    Column(&'static str),
    /// The same for every article: `'post'`, `FALSE`.
    Constant(&'static str),
    /// Tags or bylines: `EXISTS (SELECT 1 FROM {from} WHERE {link} AND {column} op v)`.
    Related {
        from: &'static str,
        link: &'static str,
        column: &'static str,
    },
}

fn reach(field: PostField) -> Reach {
    const TAGS: &str = "article_tags x JOIN tags t ON t.id = x.tag_id";
    const BYLINES: &str = "article_credits x JOIN people p ON p.id = x.person_id";
    match field {
        PostField::Id => Reach::Column("a.id"),
        PostField::Slug => Reach::Column("a.slug"),
        PostField::Title => Reach::Column("a.title"),
        PostField::CustomExcerpt => Reach::Column("a.custom_excerpt"),
        PostField::Visibility => Reach::Column("a.visibility"),
        PostField::Status => Reach::Column("a.status"),
        PostField::PublishedAt => Reach::Column("a.published_at"),
        PostField::UpdatedAt => Reach::Column("a.updated_at"),
        PostField::CreatedAt => Reach::Column("a.created_at"),
        PostField::Section => Reach::Column("s.slug"),
        PostField::ArticleType => Reach::Column("a.article_type"),
        PostField::Type => Reach::Constant("'post'"),
        PostField::Featured => Reach::Constant("FALSE"),
        PostField::Tag => Reach::Related {
            from: TAGS,
            link: "x.article_id = a.id",
            column: "t.slug",
        },
        PostField::PrimaryTag => Reach::Related {
            from: TAGS,
            link: "x.article_id = a.id AND x.position = 0",
            column: "t.slug",
        },
        PostField::Author => Reach::Related {
            from: BYLINES,
            link: "x.article_id = a.id AND x.kind = 'author'",
            column: "p.slug",
        },
        PostField::PrimaryAuthor => Reach::Related {
            from: BYLINES,
            link: "x.article_id = a.id AND x.kind = 'author' AND x.position = 0",
            column: "p.slug",
        },
    }
}

/// One value, as the field's column holds it.
enum Bound {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
    Bool(bool),
}

fn bound(field: PostField, property: &str, value: &Value, now: DateTime<Utc>) -> Result<Bound> {
    if field.is_time() {
        return time_value(value, now).map(Bound::Time).ok_or_else(|| {
            invalid(format!(
                "{property} takes a date like '2024-01-01' or a relative one like now-7d"
            ))
        });
    }
    match (field, value) {
        (PostField::Id, Value::Text(t)) => masthead_core::nql::post_id(t)
            .map(Bound::Int)
            .ok_or_else(|| invalid(format!("{t:?} is not a post id"))),
        (PostField::Id, Value::Number(n)) => Ok(Bound::Int(*n as i64)),
        (PostField::Featured, Value::Bool(b)) => Ok(Bound::Bool(*b)),
        (PostField::Featured, _) => Err(invalid("featured takes true or false")),
        (_, Value::Text(t)) => Ok(Bound::Text(t.clone())),
        (_, Value::Number(n)) => Ok(Bound::Text(n.to_string())),
        (_, Value::Bool(b)) => Ok(Bound::Text(b.to_string())),
        (_, Value::Relative(_) | Value::Null) => {
            Err(invalid(format!("{property} does not take that value")))
        }
    }
}

fn push_value(qb: &mut QueryBuilder<'_, Db>, value: Bound) {
    match value {
        Bound::Text(t) => qb.push_bind(t),
        Bound::Int(i) => qb.push_bind(i),
        Bound::Time(t) => qb.push_bind(ts(t)),
        Bound::Bool(b) => qb.push_bind(b),
    };
}

/// Writes `filter` into `qb` as one parenthesised condition.
fn push_filter(qb: &mut QueryBuilder<'_, Db>, filter: &Filter, now: DateTime<Utc>) -> Result<()> {
    match filter {
        Filter::All(list) | Filter::Any(list) => {
            let joint = if matches!(filter, Filter::All(_)) {
                " AND "
            } else {
                " OR "
            };
            qb.push("(");
            for (i, f) in list.iter().enumerate() {
                if i > 0 {
                    qb.push(joint);
                }
                push_filter(qb, f, now)?;
            }
            qb.push(")");
        }
        Filter::Not(inner) => {
            qb.push("(NOT ");
            push_filter(qb, inner, now)?;
            qb.push(")");
        }
        Filter::Condition {
            property,
            op,
            operand,
        } => {
            let field = PostField::named(property)
                .ok_or_else(|| invalid(format!("posts cannot be filtered by {property:?}")))?;
            match reach(field) {
                Reach::Column(column) | Reach::Constant(column) => {
                    push_comparison(qb, column, field, property, *op, operand, now)?;
                }
                Reach::Related { from, link, column } => {
                    // "Has no tag x" for the negative operators, not "has a tag
                    // other than x".
                    let (negated, positive) = match op {
                        Op::Ne => (true, Op::Eq),
                        Op::NotIn => (true, Op::In),
                        Op::NotContains => (true, Op::Contains),
                        Op::NotStartsWith => (true, Op::StartsWith),
                        Op::NotEndsWith => (true, Op::EndsWith),
                        op => (false, *op),
                    };
                    qb.push(if negated {
                        "(NOT EXISTS ("
                    } else {
                        "(EXISTS ("
                    });
                    qb.push(format!("SELECT 1 FROM {from} WHERE {link} AND "));
                    push_comparison(qb, column, field, property, positive, operand, now)?;
                    qb.push("))");
                }
            }
        }
    }
    Ok(())
}

/// `column op value(s)`, parenthesised.
fn push_comparison(
    qb: &mut QueryBuilder<'_, Db>,
    column: &str,
    field: PostField,
    property: &str,
    op: Op,
    operand: &Operand,
    now: DateTime<Utc>,
) -> Result<()> {
    let one = || match operand {
        Operand::One(v) => Ok(v),
        Operand::List(_) => Err(invalid(format!("{property}: a list needs [ ]"))),
    };
    match op {
        Op::In | Op::NotIn => {
            let Operand::List(values) = operand else {
                return Err(invalid(format!("{property}: [ ] takes a list")));
            };
            let values = values
                .iter()
                .map(|v| bound(field, property, v, now))
                .collect::<Result<Vec<_>>>()?;
            qb.push(format!("({column} "));
            qb.push(if op == Op::In { "IN (" } else { "NOT IN (" });
            for (i, v) in values.into_iter().enumerate() {
                if i > 0 {
                    qb.push(", ");
                }
                push_value(qb, v);
            }
            qb.push("))");
        }
        // Masthead keeps an absent text as '', where Ghost keeps NULL: both are null.
        Op::Eq | Op::Ne if *one()? == Value::Null => {
            let text = matches!(
                field,
                PostField::CustomExcerpt | PostField::Title | PostField::Slug | PostField::Section
            );
            qb.push(match (op == Op::Eq, text) {
                (true, true) => format!("({column} IS NULL OR {column} = '')"),
                (false, true) => format!("({column} IS NOT NULL AND {column} <> '')"),
                (true, false) => format!("({column} IS NULL)"),
                (false, false) => format!("({column} IS NOT NULL)"),
            });
        }
        Op::Eq | Op::Ne | Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            let value = bound(field, property, one()?, now)?;
            let sign = match op {
                Op::Eq => "=",
                Op::Ne => "<>",
                Op::Gt => ">",
                Op::Gte => ">=",
                Op::Lt => "<",
                _ => "<=",
            };
            qb.push(format!("({column} {sign} "));
            push_value(qb, value);
            qb.push(")");
        }
        Op::Contains
        | Op::StartsWith
        | Op::EndsWith
        | Op::NotContains
        | Op::NotStartsWith
        | Op::NotEndsWith => {
            let Value::Text(text) = one()? else {
                return Err(invalid(format!("{property}: ~ takes text")));
            };
            let text = escape_like(text);
            let pattern = match op {
                Op::Contains | Op::NotContains => format!("%{text}%"),
                Op::StartsWith | Op::NotStartsWith => format!("{text}%"),
                _ => format!("%{text}"),
            };
            let not = matches!(op, Op::NotContains | Op::NotStartsWith | Op::NotEndsWith);
            qb.push(format!(
                "(LOWER({column}) {}LIKE ",
                if not { "NOT " } else { "" }
            ));
            qb.push_bind(pattern);
            qb.push(" ESCAPE '\\')");
        }
    }
    Ok(())
}

/// The column each orderable field sorts by.
fn order_column(field: PostField) -> Option<&'static str> {
    match reach(field) {
        Reach::Column(column) if field.orders() => Some(column),
        _ => None,
    }
}

impl Store {
    pub(super) async fn api_posts_page(&self, query: &PostQuery) -> Result<Page<Article>> {
        let where_filter = |qb: &mut QueryBuilder<'_, Db>| -> Result<()> {
            if let Some(filter) = &query.filter {
                qb.push(" AND ");
                push_filter(qb, filter, query.now)?;
            }
            Ok(())
        };
        let from = from(query.scope);
        let mut count = QueryBuilder::<Db>::new(format!("SELECT COUNT(*){from}"));
        where_filter(&mut count)?;
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await
            .map_err(db_error("posts"))?;
        let mut ids = QueryBuilder::<Db>::new(format!("SELECT a.id{from}"));
        where_filter(&mut ids)?;
        ids.push(" ORDER BY ");
        for order in &query.order {
            let column = order_column(order.field)
                .ok_or_else(|| Error::invalid("order", "that field cannot order posts"))?;
            ids.push(format!(
                "{column} {}, ",
                if order.descending { "DESC" } else { "ASC" }
            ));
        }
        if query.order.is_empty() {
            ids.push(match query.scope {
                Scope::Published => "a.published_at DESC, ",
                Scope::Newsroom => "a.updated_at DESC, ",
            });
        }
        ids.push("a.id DESC LIMIT ");
        ids.push_bind(i64::from(query.page.limit));
        ids.push(" OFFSET ");
        ids.push_bind(i64::from(query.page.offset));
        let ids: Vec<i64> = ids
            .build_query_scalar()
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("posts"))?;
        Ok(Page {
            items: self.whole_articles(&ids).await?,
            total: u64::try_from(total).unwrap_or(0),
            offset: query.page.offset,
            limit: query.page.limit,
        })
    }

    /// The articles of `ids`, whole (tags, credits, sources, corrections), in the
    /// order of `ids`: two queries however many.
    pub(super) async fn whole_articles(&self, ids: &[i64]) -> Result<Vec<Article>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Placeholders only: the same numbered ones serve every branch of the parts.
        let list = (1..=ids.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let which = format!("IN ({list})");
        let rows_sql = format!("SELECT {ARTICLE_COLUMNS} WHERE a.id {which}");
        let parts_sql = parts_query(&which);
        let mut rows = sqlx::query_as::<_, ArticleRow>(&rows_sql);
        let mut parts = sqlx::query_as::<_, PartRow>(&parts_sql);
        for id in ids {
            rows = rows.bind(*id);
            parts = parts.bind(*id);
        }
        let rows = rows
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("articles"))?;
        let parts = parts
            .fetch_all(&self.pool)
            .await
            .map_err(db_error("article parts"))?;
        let mut parts = ArticleParts::by_article(parts)?;
        let mut articles = rows
            .into_iter()
            .map(|row| {
                let own = parts.remove(&row.id).unwrap_or_default();
                row.into_article(own)
            })
            .collect::<Result<Vec<_>>>()?;
        articles.sort_by_key(|a| ids.iter().position(|id| *id == a.id.0));
        Ok(articles)
    }
}
