//! Counting a search's facets (section, tag, author, type, year) over every match.
//!
//! A query at 100,000 articles matches most of them, and every match is counted.
//! tantivy's `FacetCollector` reads each match's facets from the segment's column
//! and, at the end of each segment, looks each facet counted up in the segment's
//! dictionary one at a time (a profile showed that lookup at a quarter of a search's
//! time, the counting itself at another quarter). Segments never change once written,
//! so each segment's counted facets are read once into a table of small numbers per
//! document (`FacetTable`), kept while the segment is searched; a search then only
//! adds up numbers (`FacetTally`).

use masthead_core::search::{Facets, MAX_FACET_VALUES};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// The facet field's name in the schema.
pub(crate) const FIELD: &str = "facets";

/// The facets counted for each search, in `Facets`' order. Every other facet of the
/// field (who may read a gated article) is for filtering only.
pub(crate) const COUNTED: [&str; 5] = ["section", "tag", "author", "type", "year"];

/// The `FacetTable` of each segment searched, by segment.
#[derive(Default)]
pub(crate) struct FacetTables {
    segments: Mutex<HashMap<SegmentId, Arc<FacetTable>>>,
}

impl FacetTables {
    /// The table of `segment`, read from the index the first time it is asked for.
    fn of(&self, segment: &SegmentReader) -> tantivy::Result<Arc<FacetTable>> {
        let id = segment.segment_id();
        if let Some(table) = self.lock().get(&id) {
            return Ok(table.clone());
        }
        // Read without the lock: other segments' searches go on meanwhile. Two
        // searches of a new segment may both read it; the tables are the same.
        let table = Arc::new(FacetTable::read(segment)?);
        self.lock().insert(id, table.clone());
        Ok(table)
    }

    /// Forgets the tables of segments `searcher` does not hold (merged away).
    pub(crate) fn keep_only(&self, searcher: &tantivy::Searcher) {
        let mut segments = self.lock();
        if segments.len() > searcher.segment_readers().len() {
            let live: Vec<SegmentId> = searcher
                .segment_readers()
                .iter()
                .map(SegmentReader::segment_id)
                .collect();
            segments.retain(|id, _| live.contains(id));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<FacetTable>>> {
        self.segments.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One segment's counted facets: each document's as numbers into `names`.
#[derive(Debug)]
pub(crate) struct FacetTable {
    /// Each counted facet in the segment: its kind (a place in `COUNTED`) and value.
    names: Vec<(usize, String)>,
    /// Where each document's numbers begin in `numbers`; one more than the segment
    /// has documents, so a document's end is the next one's beginning.
    starts: Vec<u32>,
    /// Each document's counted facets, once each.
    numbers: Vec<u32>,
}

impl FacetTable {
    fn read(segment: &SegmentReader) -> tantivy::Result<Self> {
        let reader = segment.facet_reader(FIELD)?;
        // The segment's facets are numbered in its dictionary: number those counted.
        let mut number_of: Vec<Option<u32>> = vec![None; reader.num_facets()];
        let mut names = Vec::new();
        let mut terms = reader.facet_dict().stream()?;
        while terms.advance() {
            let Ok(facet) = Facet::from_encoded(terms.key().to_vec()) else {
                continue;
            };
            let path = facet.to_path();
            let (Some(slot), [kind, value]) =
                (number_of.get_mut(terms.term_ord() as usize), &path[..])
            else {
                continue;
            };
            if let Some(kind) = COUNTED.iter().position(|k| k == kind) {
                *slot = u32::try_from(names.len()).ok();
                names.push((kind, (*value).to_owned()));
            }
        }
        let documents = segment.max_doc();
        let mut starts = Vec::with_capacity(documents as usize + 1);
        let mut numbers = Vec::new();
        let mut of_one = Vec::new();
        starts.push(0);
        for doc in 0..documents {
            of_one.clear();
            of_one.extend(
                reader
                    .facet_ords(doc)
                    .filter_map(|ord| number_of.get(ord as usize).copied().flatten()),
            );
            of_one.sort_unstable();
            of_one.dedup();
            numbers.extend_from_slice(&of_one);
            starts.push(u32::try_from(numbers.len()).map_err(|_| {
                tantivy::TantivyError::InternalError(
                    "a segment holds more facets than a table can number".to_owned(),
                )
            })?);
        }
        Ok(Self {
            names,
            starts,
            numbers,
        })
    }

    /// The counted facets of `doc` (none for a document the table does not know).
    fn of(&self, doc: DocId) -> &[u32] {
        let doc = doc as usize;
        match (self.starts.get(doc), self.starts.get(doc + 1)) {
            (Some(&from), Some(&to)) => self
                .numbers
                .get(from as usize..to as usize)
                .unwrap_or_default(),
            _ => &[],
        }
    }
}

/// Counts the facets of every match of a search, as `Facets`: most first (equal
/// counts by value), years newest first, at most `MAX_FACET_VALUES` of each.
pub(crate) struct FacetTally {
    pub(crate) tables: Arc<FacetTables>,
}

pub(crate) struct SegmentTally {
    table: Arc<FacetTable>,
    counts: Vec<u64>,
}

impl Collector for FacetTally {
    type Fruit = Facets;
    type Child = SegmentTally;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        let table = self.tables.of(segment)?;
        Ok(SegmentTally {
            counts: vec![0; table.names.len()],
            table,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<(Arc<FacetTable>, Vec<u64>)>) -> tantivy::Result<Facets> {
        let mut totals: [HashMap<&str, u64>; COUNTED.len()] = Default::default();
        for (table, counts) in &segments {
            for ((kind, value), &n) in table.names.iter().zip(counts) {
                if n > 0 {
                    if let Some(total) = totals.get_mut(*kind) {
                        *total.entry(value.as_str()).or_default() += n;
                    }
                }
            }
        }
        let [sections, tags, authors, types, years] = totals.map(|total| {
            let mut values: Vec<(String, u64)> =
                total.into_iter().map(|(v, n)| (v.to_owned(), n)).collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            values
        });
        let top = |mut values: Vec<(String, u64)>| {
            values.truncate(MAX_FACET_VALUES);
            values
        };
        let mut years = years;
        years.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(Facets {
            sections: top(sections),
            tags: top(tags),
            authors: top(authors),
            types: top(types),
            years: top(years),
        })
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = (Arc<FacetTable>, Vec<u64>);

    fn collect(&mut self, doc: DocId, _: Score) {
        for &number in self.table.of(doc) {
            if let Some(count) = self.counts.get_mut(number as usize) {
                *count += 1;
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        (self.table, self.counts)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tantivy::collector::FacetCollector;
    use tantivy::query::{AllQuery, TermQuery};
    use tantivy::schema::{FacetOptions, IndexRecordOption, Schema, STRING};
    use tantivy::{Index, IndexWriter, TantivyDocument, Term};

    /// Documents in three segments, some deleted, some with a facet twice and with
    /// facets that are not counted: the tally agrees with tantivy's own collector.
    #[test]
    fn the_tally_counts_as_tantivys_facet_collector_does() {
        let mut schema = Schema::builder();
        let facets = schema.add_facet_field(FIELD, FacetOptions::default());
        let word = schema.add_text_field("word", STRING);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let kinds = ["section", "tag", "author", "type", "year", "gate"];
        for segment in 0..3_u32 {
            for n in 0..200_u32 {
                let mut doc = TantivyDocument::default();
                doc.add_text(word, if n % 3 == 0 { "three" } else { "other" });
                for (k, kind) in kinds.iter().enumerate() {
                    let value = format!("v{}", (n + segment) % (k as u32 + 2));
                    doc.add_facet(facets, Facet::from_path([*kind, value.as_str()]));
                }
                // A second tag, sometimes the first again.
                doc.add_facet(facets, Facet::from_path(["tag", &format!("v{}", n % 5)]));
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        writer.delete_term(Term::from_facet(facets, &Facet::from_path(["year", "v1"])));
        writer.commit().unwrap();
        let reader = index.reader().unwrap();
        let searcher = reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let tables = Arc::new(FacetTables::default());
        for query in [
            Box::new(AllQuery) as Box<dyn tantivy::query::Query>,
            Box::new(TermQuery::new(
                Term::from_field_text(word, "three"),
                IndexRecordOption::Basic,
            )),
        ] {
            let mut theirs = FacetCollector::for_field(FIELD);
            for kind in COUNTED {
                theirs.add_facet(Facet::from_path([kind]));
            }
            let (theirs, ours) = searcher
                .search(
                    &*query,
                    &(
                        theirs,
                        FacetTally {
                            tables: tables.clone(),
                        },
                    ),
                )
                .unwrap();
            let counted = |kind: &str| -> HashMap<String, u64> {
                theirs
                    .get(Facet::from_path([kind]))
                    .map(|(f, n)| (f.to_path()[1].to_owned(), n))
                    .collect()
            };
            for (kind, ours) in COUNTED.iter().zip([
                &ours.sections,
                &ours.tags,
                &ours.authors,
                &ours.types,
                &ours.years,
            ]) {
                let expected = counted(kind);
                assert!(!expected.is_empty());
                assert_eq!(
                    ours.iter().cloned().collect::<HashMap<_, _>>(),
                    expected,
                    "{kind}"
                );
            }
            // Most first, equal counts by value; years newest first.
            assert!(ours
                .tags
                .windows(2)
                .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)));
            assert!(ours.years.windows(2).all(|w| w[0].0 > w[1].0));
        }
        // Each segment's table was read once, and is kept while its segment is.
        assert_eq!(tables.lock().len(), 3);
        let ids: Vec<SegmentId> = index.searchable_segment_ids().unwrap();
        writer.merge(&ids).wait().unwrap();
        writer.wait_merging_threads().unwrap();
        reader.reload().unwrap();
        tables.keep_only(&reader.searcher());
        assert!(tables.lock().is_empty(), "merged-away segments' tables go");
    }
}
