//! The full-text index: the only module that imports tantivy.
//!
//! One in-RAM index per language edition, built from passages at load time and
//! never written again (a reload builds a new one). Questions are not parsed as
//! query syntax: the caller hands us analyzed terms with weights and we build a
//! `BooleanQuery` of term queries, so quotes, colons or a leading `-` in a
//! question can never make a query fail. The term queries are our own
//! (`KnownTermQuery`): they score as tantivy's `TermQuery` does, with the
//! statistics and postings addresses it would look up per query found once,
//! at build time.

use std::collections::{HashMap, HashSet};
use std::mem;
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentId;
use tantivy::postings::{Postings, SegmentPostings, TermInfo};
use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, BoostQuery, DisjunctionMaxQuery, EmptyScorer,
    EnableScoring, Explanation, Occur, Query, QueryParser, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, Token as TantivyToken, TokenFilter, TokenStream, Tokenizer,
    TokenizerManager,
};
use tantivy::{
    directory::RamDirectory, doc, DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy,
    Score, SegmentReader, SingleSegmentIndexWriter, TantivyDocument, Term,
};

use crate::lang::Lang;

/// Section titles are often the very question users ask: weigh them above body text.
pub const TITLE_BOOST: f32 = 2.0;
/// An idea is scored by its best match over every field and way of saying
/// it, plus this share of the others: a passage that says it in its title
/// and its text still beats one that says it once, without one union (and
/// its buffer) per field.
pub const FIELD_TIE: f32 = 0.3;
/// Alternate questions are written to be asked: a match there is worth more
/// than one in the body, whose words serve to explain, not to be asked.
pub const QUESTIONS_BOOST: f32 = 1.5;

const ANALYZER: &str = "bot";
const IN_TITLE: u8 = 1;
const IN_BODY: u8 = 2;
const IN_QUESTIONS: u8 = 4;
/// Words longer than this are noise (URLs, hashes); dropping them keeps the index small.
const MAX_TOKEN_BYTES: usize = 40;
/// Acronyms whose plurals ("KPOs", "BPOS") must meet their singular.
const ACRONYMS: [&str; 4] = ["bpo", "kpo", "kpi", "ito"];

/// Where accent folding sits relative to stemming. Folding first serves our
/// golden questions better (see `tests/golden.rs`): "tecnologia" typed without
/// its accent then stems exactly like "tecnología".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnalyzerOrder {
    #[default]
    FoldThenStem,
    StemThenFold,
}

#[derive(Debug, thiserror::Error)]
#[error("could not build the search index: {0}")]
pub struct IndexError(#[from] tantivy::TantivyError);

/// One analyzed word of a text, with where it stands in that text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub term: String,
    /// Byte range in the analyzed text.
    pub from: usize,
    pub to: usize,
}

/// One way to say an idea of the question: a word, or a phrase whose
/// words must all be there ("externalización de procesos de negocio"),
/// with its weight in the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alternative<'a> {
    pub terms: &'a [String],
    /// Their ids ([`SearchIndex::term_id`]), in the same order: the caller
    /// has looked them up already.
    pub ids: &'a [u32],
    pub boost: f32,
}

/// A matching passage: its position in the slice the index was built from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub ord: usize,
    pub score: f32,
}

/// Text to index for one passage.
pub struct Doc<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// Its alternate questions: how people ask for it.
    pub questions: &'a [String],
}

/// Entries by the first letter and length in characters of their word.
type ByInitialLen<T> = HashMap<(char, usize), Vec<T>>;

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    title: Field,
    body: Field,
    analyzer: TextAnalyzer,
    /// `[segment][doc id]` → ord: resolving hits without touching a doc store.
    doc_map: Vec<Vec<u32>>,
    /// Every analyzed term of the passages (and the extra vocabulary) → its id.
    term_ids: HashMap<String, u32>,
    /// Terms by id, for typo correction.
    vocabulary: Vec<String>,
    /// Term ids by first letter and length in characters: typo correction
    /// looks only at words that begin like the typo and are near enough in
    /// length to be within its edits, not at the whole vocabulary.
    by_initial_len: ByInitialLen<u32>,
    /// The words as written (lowercased, accents folded) → their term id,
    /// by first letter and length like `by_initial_len`: a typo is
    /// compared with words too, since its stem may not be the stem of its
    /// word ("bussines" stems to "bussin", "business" to "business").
    words_by_initial_len: ByInitialLen<(Box<str>, u32)>,
    /// The words as written in the passages and their alternate questions
    /// (not the synonyms, which mix languages): what tells one edition's
    /// language from another's when a question's grammar does not.
    own_words: HashSet<Box<str>>,
    /// In how many passages each term id appears (title, body or questions).
    doc_freqs: Vec<u32>,
    /// Per term id, the passages that hold it (title, body or questions),
    /// ascending: whether the words of a phrase ever stand together.
    term_docs: Vec<Box<[u32]>>,
    /// Each passage's distinct term ids (title and body), sorted: which
    /// ideas it covers.
    doc_terms: Vec<Box<[u32]>>,
    /// Per passage, each alternate question's distinct term ids, sorted.
    question_terms: Vec<Box<[Box<[u32]>]>>,
    /// Per passage, the distinct term ids of all its questions, sorted.
    asked_terms: Vec<Box<[u32]>>,
    /// Per term id, the fields that hold it (`IN_TITLE | IN_BODY | IN_QUESTIONS`).
    fields: Vec<u8>,
    /// Per field (title, body, questions), the BM25 statistics a query needs.
    bm25: [Arc<FieldBm25>; 3],
    num_docs: u64,
}

/// What tantivy's `TermQuery` works out again for every term of every query
/// (the term's document frequency and where its postings are, each looked
/// up in the term dictionary, and a 256-entry length table): made once per
/// field when the index is built. The index never changes, so neither do
/// they. With the one-pass phrases (`brain::Phrases`) this took
/// `bundled/answer` from 92 to 51 µs (`cargo bench --bench answer`).
struct FieldBm25 {
    field: Field,
    /// Per length (tantivy's one-byte field norm), BM25's length part:
    /// `K1 * (1 - b + b * length / average length)`.
    lengths: Arc<[Score; 256]>,
    /// Per term id, its idf in this field (0 when the field never holds it).
    idf: Vec<f32>,
    /// Per segment: its id, its field lengths, and per term id where the
    /// term's postings are.
    postings: Vec<(SegmentId, FieldNormReader, Vec<Option<TermInfo>>)>,
}

impl FieldBm25 {
    fn build(
        searcher: &tantivy::Searcher,
        field: Field,
        vocabulary: &[String],
        fields: &[u8],
        bit: u8,
    ) -> tantivy::Result<FieldBm25> {
        let docs = searcher.total_num_docs()?;
        let tokens = Bm25StatisticsProvider::total_num_tokens(searcher, field)?;
        let average = tokens as Score / docs.max(1) as Score;
        let mut idf = vec![0.0; vocabulary.len()];
        let mut postings = Vec::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut infos = vec![None; vocabulary.len()];
            for (id, term) in vocabulary.iter().enumerate() {
                if fields[id] & bit != 0 {
                    infos[id] = inverted.get_term_info(&Term::from_field_text(field, term))?;
                }
            }
            let norms = segment.get_fieldnorms_reader(field)?;
            postings.push((segment.segment_id(), norms, infos));
        }
        for (id, idf) in idf.iter_mut().enumerate() {
            let df: u64 = postings
                .iter()
                .filter_map(|(_, _, infos)| infos[id].as_ref())
                .map(|info| u64::from(info.doc_freq))
                .sum();
            if df > 0 {
                *idf = bm25_idf(df, docs);
            }
        }
        let mut lengths = [0.0; 256];
        for (id, slot) in lengths.iter_mut().enumerate() {
            let length = FieldNormReader::id_to_fieldnorm(id as u8) as Score;
            *slot = BM25_K1 * (1.0 - BM25_B + BM25_B * length / average);
        }
        Ok(FieldBm25 {
            field,
            lengths: Arc::new(lengths),
            idf,
            postings,
        })
    }
}

/// tantivy's BM25 constants (`bm25::K1`, `bm25::B`, private to it).
const BM25_K1: Score = 1.2;
const BM25_B: Score = 0.75;

/// tantivy's BM25 idf (`bm25::idf` is private to it).
fn bm25_idf(doc_freq: u64, docs: u64) -> Score {
    let x = (docs.saturating_sub(doc_freq) as Score + 0.5) / (doc_freq as Score + 0.5);
    (1.0 + x).ln()
}

/// A term query that looks nothing up: its weight and postings were found
/// when the index was built ([`FieldBm25`]).
#[derive(Clone)]
struct KnownTermQuery {
    table: Arc<FieldBm25>,
    id: u32,
}

impl std::fmt::Debug for KnownTermQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownTermQuery")
            .field("field", &self.table.field)
            .field("id", &self.id)
            .finish()
    }
}

impl Query for KnownTermQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for KnownTermQuery {
    /// What tantivy's own term weight does, with everything found already.
    /// (tantivy's `TermScorer`, which its boolean queries can prune with,
    /// is not public; our queries are unions of disjunctions, which it
    /// scores without that pruning anyway.)
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let table = &self.table;
        let found = table
            .postings
            .iter()
            .find(|(segment, _, _)| *segment == reader.segment_id())
            .and_then(|(_, norms, infos)| Some((norms, infos[self.id as usize].as_ref()?)));
        let Some((norms, info)) = found else {
            return Ok(Box::new(EmptyScorer));
        };
        let postings = reader
            .inverted_index(table.field)?
            .read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
        Ok(Box::new(KnownTermScorer {
            postings,
            norms: norms.clone(),
            // As tantivy's `Bm25Weight` multiplies, so the scores are its own.
            weight: table.idf[self.id as usize] * (1.0 + BM25_K1) * boost,
            lengths: Arc::clone(&table.lengths),
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match term {}",
                self.id
            )));
        }
        Ok(Explanation::new("bm25", scorer.score()))
    }
}

/// BM25 over one term's postings, as tantivy's `TermScorer` scores.
struct KnownTermScorer {
    postings: SegmentPostings,
    norms: FieldNormReader,
    weight: Score,
    lengths: Arc<[Score; 256]>,
}

impl DocSet for KnownTermScorer {
    fn advance(&mut self) -> DocId {
        self.postings.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.postings.seek(target)
    }

    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    fn size_hint(&self) -> u32 {
        self.postings.size_hint()
    }
}

impl Scorer for KnownTermScorer {
    fn score(&mut self) -> Score {
        let length = self.lengths[self.norms.fieldnorm_id(self.postings.doc()) as usize];
        let tf = self.postings.term_freq() as Score;
        self.weight * (tf / (tf + length))
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("num_docs", &self.num_docs)
            .field("vocabulary", &self.vocabulary.len())
            .finish()
    }
}

/// Writes an index: on this thread for a small base, on two for a big one.
// One lives on the stack for the length of a build: its size is no matter.
#[allow(clippy::large_enum_variant)]
enum Writer {
    Single(SingleSegmentIndexWriter),
    Threaded(Index, IndexWriter),
}

impl Writer {
    fn add_document(&mut self, document: TantivyDocument) -> tantivy::Result<()> {
        match self {
            Writer::Single(w) => w.add_document(document),
            Writer::Threaded(_, w) => w.add_document(document).map(drop),
        }
    }

    fn finish(self) -> tantivy::Result<Index> {
        match self {
            Writer::Single(w) => w.finalize(),
            Writer::Threaded(index, mut w) => {
                w.commit()?;
                w.wait_merging_threads()?;
                Ok(index)
            }
        }
    }
}

/// What sizes the indexing term table (a third of it, in buckets of a power
/// of two): 32K buckets, room for the vocabulary of a large FAQ before the
/// table doubles.
const INDEXING_BUDGET: usize = 1_000_000;

/// Builds the analyzer for `lang`: tokenize → drop long → lowercase →
/// acronym plurals → stop words of every language (the lists are accented,
/// so before folding) → fold and stem in `order`, except the words of
/// `whole`, which keep their form (lowercase, and folded when `order`
/// folds first).
pub fn analyzer(lang: Lang, order: AnalyzerOrder, whole: &[String]) -> TextAnalyzer {
    let language = match lang {
        Lang::Es => Language::Spanish,
        Lang::En => Language::English,
    };
    // Every language's function words, not only the edition's: a question
    // searched in the other edition must not turn "are" into "áreas".
    let stop_words = |l| StopWordFilter::new(l).expect("tantivy ships es and en stop words");
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(acronym_plural())
        .filter(stop_words(Language::Spanish))
        .filter(stop_words(Language::English));
    // Both the lowercase and the folded form, so a token is looked up as it
    // stands before the stemmer, folded or not, without a copy.
    let whole: HashSet<String> = whole
        .iter()
        .flat_map(|w| [w.to_lowercase(), written(w).into()])
        .collect();
    let (mark, unmark) = keep_whole(whole);
    match order {
        AnalyzerOrder::FoldThenStem => base
            .filter(AsciiFoldingFilter)
            .filter(mark)
            .filter(Stemmer::new(language))
            .filter(unmark)
            .build(),
        AnalyzerOrder::StemThenFold => base
            .filter(mark)
            .filter(Stemmer::new(language))
            .filter(unmark)
            .filter(AsciiFoldingFilter)
            .build(),
    }
}

/// A word as written, lowercased and without accents: how a typo is
/// compared with the words of the knowledge.
fn written(word: &str) -> Box<str> {
    crate::lang::folded(word).collect()
}

fn terms_of(analyzer: &mut TextAnalyzer, text: &str, out: &mut Vec<Token>) {
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        out.push(Token {
            term: t.text.clone(),
            from: t.offset_from,
            to: t.offset_to,
        });
    }
}

impl SearchIndex {
    /// Indexes `docs`. `extra_vocabulary` (synonyms, for instance) joins the
    /// words that typos are corrected to.
    pub fn build<'a>(
        lang: Lang,
        order: AnalyzerOrder,
        docs: impl ExactSizeIterator<Item = Doc<'a>>,
        extra_vocabulary: &[&str],
        whole: &[String],
    ) -> Result<SearchIndex, IndexError> {
        // Two indexing threads pay off on big bases (3.9 s for 100,000
        // passages against 5.1 s on one); tantivy's floor is 15 MB each.
        let threaded = docs.len() > 20_000;
        SearchIndex::build_with(lang, order, docs, extra_vocabulary, whole, threaded)
    }

    fn build_with<'a>(
        lang: Lang,
        order: AnalyzerOrder,
        docs: impl ExactSizeIterator<Item = Doc<'a>>,
        extra_vocabulary: &[&str],
        whole: &[String],
        threaded: bool,
    ) -> Result<SearchIndex, IndexError> {
        let mut analyzer = analyzer(lang, order, whole);
        let mut schema = Schema::builder();
        let text_options = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let title = schema.add_text_field("title", text_options(ANALYZER));
        let body = schema.add_text_field("body", text_options(ANALYZER));
        let questions = schema.add_text_field("questions", text_options(ANALYZER));
        let ord = schema.add_u64_field("ord", FAST);
        let tokenizers = TokenizerManager::default();
        tokenizers.register(ANALYZER, analyzer.clone());
        let count = docs.len();
        let builder = Index::builder()
            .schema(schema.build())
            .tokenizers(tokenizers);
        let mut writer = if threaded {
            let index = builder.create_in_ram()?;
            let writer = index.writer_with_num_threads(2, 100_000_000)?;
            Writer::Threaded(index, writer)
        } else {
            // One segment, written on this thread. `IndexWriter` sizes its
            // term table from its budget of at least 15 MB: a 4 MB table
            // that a few thousand terms touch all over. Here the budget
            // only sizes that first table, which grows when it fills.
            Writer::Single(
                builder.single_segment_index_writer(RamDirectory::create(), INDEXING_BUDGET)?,
            )
        };
        let mut term_ids: HashMap<String, u32> = HashMap::new();
        let mut vocabulary: Vec<String> = Vec::new();
        let mut doc_freqs: Vec<u32> = Vec::new();
        let mut doc_terms = Vec::with_capacity(count);
        let mut question_terms = Vec::with_capacity(count);
        // (term id, field bit): which fields hold each term, so a query asks
        // each field only for the terms it has.
        let mut in_fields: Vec<(u32, u8)> = Vec::new();
        let mut tokens = Vec::new();
        let mut intern = |term: String, term_ids: &mut HashMap<String, u32>| -> u32 {
            *term_ids.entry(term).or_insert_with_key(|t| {
                vocabulary.push(t.clone());
                doc_freqs.push(0);
                (vocabulary.len() - 1) as u32
            })
        };
        // Each word as written → its term id (the first seen wins). Most
        // words repeat: one buffer spells each, and only a new one is kept.
        let mut words: HashMap<Box<str>, (u32, bool)> = HashMap::new();
        // Whether the text read now is the knowledge's own (not a synonym).
        let own = std::cell::Cell::new(true);
        let mut spelt = String::new();
        let mut distinct_ids =
            |text: &str, tokens: &mut Vec<Token>, term_ids: &mut HashMap<String, u32>| {
                let mut ids: Vec<u32> = tokens
                    .drain(..)
                    .map(|t| {
                        let id = intern(t.term, term_ids);
                        if let Some(word) = text.get(t.from..t.to) {
                            spelt.clear();
                            spelt.extend(crate::lang::folded(word));
                            if !words.contains_key(spelt.as_str()) {
                                words.insert(spelt.as_str().into(), (id, own.get()));
                            }
                        }
                        id
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids.into_boxed_slice()
            };
        for (i, d) in docs.enumerate() {
            let mut document = doc!(
                title => d.title,
                body => d.body,
                ord => i as u64
            );
            for q in d.questions {
                document.add_text(questions, q);
            }
            writer.add_document(document)?;
            tokens.clear();
            terms_of(&mut analyzer, d.title, &mut tokens);
            let titled = distinct_ids(d.title, &mut tokens, &mut term_ids);
            terms_of(&mut analyzer, d.body, &mut tokens);
            let bodied = distinct_ids(d.body, &mut tokens, &mut term_ids);
            let mut text: Vec<u32> = titled.iter().chain(bodied.iter()).copied().collect();
            text.sort_unstable();
            text.dedup();
            doc_terms.push(text.into_boxed_slice());
            in_fields.extend(titled.iter().map(|&id| (id, IN_TITLE)));
            in_fields.extend(bodied.iter().map(|&id| (id, IN_BODY)));
            let asked: Vec<Box<[u32]>> = d
                .questions
                .iter()
                .map(|q| {
                    tokens.clear();
                    terms_of(&mut analyzer, q, &mut tokens);
                    distinct_ids(q, &mut tokens, &mut term_ids)
                })
                .collect();
            question_terms.push(asked.into_boxed_slice());
        }
        own.set(false);
        for text in extra_vocabulary {
            tokens.clear();
            terms_of(&mut analyzer, text, &mut tokens);
            distinct_ids(text, &mut tokens, &mut term_ids);
        }
        let mut words_by_initial_len: ByInitialLen<(Box<str>, u32)> = HashMap::new();
        let mut own_words = HashSet::new();
        for (word, (id, own)) in words {
            if own {
                own_words.insert(word.clone());
            }
            if let Some(c) = word.chars().next() {
                words_by_initial_len
                    .entry((c, word.chars().count()))
                    .or_default()
                    .push((word, id));
            }
        }
        let mut by_initial_len: ByInitialLen<u32> = HashMap::new();
        for (id, term) in vocabulary.iter().enumerate() {
            if let Some(c) = term.chars().next() {
                by_initial_len
                    .entry((c, term.chars().count()))
                    .or_default()
                    .push(id as u32);
            }
        }
        let mut fields = vec![0u8; vocabulary.len()];
        for (id, field) in in_fields {
            fields[id as usize] |= field;
        }
        let mut asked_terms = Vec::with_capacity(count);
        let mut all: Vec<u32> = Vec::new();
        let mut term_docs: Vec<Vec<u32>> = vec![Vec::new(); vocabulary.len()];
        for (ord, (text, asked)) in doc_terms.iter().zip(&question_terms).enumerate() {
            let mut union: Vec<u32> = asked.iter().flat_map(|q| q.iter().copied()).collect();
            union.sort_unstable();
            union.dedup();
            all.clear();
            all.extend(text.iter().chain(&union));
            all.sort_unstable();
            all.dedup();
            for &id in &all {
                doc_freqs[id as usize] += 1;
                term_docs[id as usize].push(ord as u32);
            }
            for &id in &union {
                fields[id as usize] |= IN_QUESTIONS;
            }
            asked_terms.push(union.into_boxed_slice());
        }
        let index = writer.finish()?;

        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let mut doc_map = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("ord")?;
            doc_map.push(
                (0..segment.max_doc())
                    .map(|doc| column.first(doc).unwrap_or(0) as u32)
                    .collect(),
            );
        }
        let num_docs = searcher.num_docs();
        let table = |field, bit| {
            FieldBm25::build(&searcher, field, &vocabulary, &fields, bit).map(Arc::new)
        };
        let bm25 = [
            table(title, IN_TITLE)?,
            table(body, IN_BODY)?,
            table(questions, IN_QUESTIONS)?,
        ];
        drop(searcher);
        Ok(SearchIndex {
            index,
            reader,
            title,
            body,
            analyzer,
            doc_map,
            term_ids,
            vocabulary,
            by_initial_len,
            words_by_initial_len,
            own_words,
            doc_freqs,
            term_docs: term_docs.into_iter().map(Vec::into_boxed_slice).collect(),
            doc_terms,
            question_terms,
            asked_terms,
            fields,
            bm25,
            num_docs,
        })
    }

    pub fn num_docs(&self) -> u64 {
        self.num_docs
    }

    /// The analyzed words of `text`, with their byte ranges in it.
    pub fn analyze(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        terms_of(&mut self.analyzer.clone(), text, &mut out);
        out
    }

    /// Each word of `text` whose analyzed form the index holds: its byte
    /// range and term id, in order. What highlighting looks up, made once
    /// per passage (`EditionIndex::words_of`).
    pub fn word_terms(&self, text: &str) -> Box<[WordTerm]> {
        let mut full = self.analyzer.clone();
        // Passages repeat their words: analyze each one once.
        let mut seen: HashMap<&str, Option<u32>> = HashMap::new();
        let mut out = Vec::new();
        for range in crate::lang::word_ranges(text) {
            let word = &text[range.clone()];
            let id = *seen.entry(word).or_insert_with(|| {
                let mut stemmed = full.token_stream(word);
                if stemmed.advance() {
                    self.term_id(&stemmed.token().text)
                } else {
                    None
                }
            });
            if let Some(id) = id {
                out.push(WordTerm {
                    from: range.start as u32,
                    to: range.end as u32,
                    id,
                });
            }
        }
        out.into_boxed_slice()
    }

    /// The id of an analyzed term, if any passage (or the extra vocabulary) has it.
    pub fn term_id(&self, term: &str) -> Option<u32> {
        self.term_ids.get(term).copied()
    }

    /// In how many passages `term` appears: title, body or questions.
    pub fn doc_freq(&self, term: &str) -> u64 {
        self.term_id(term)
            .map_or(0, |id| u64::from(self.doc_freqs[id as usize]))
    }

    /// Whether a passage or alternate question of this index has `word`
    /// (lowercased, accents folded, as [`crate::lang::folded`] spells it).
    pub fn has_own_word(&self, word: &str) -> bool {
        self.own_words.contains(word)
    }

    /// In how many passages the term `id` appears.
    pub fn doc_freq_of(&self, id: u32) -> u64 {
        u64::from(self.doc_freqs[id as usize])
    }

    /// Whether some passage holds every one of `ids` in the field `bit`
    /// (title and body read together): a phrase whose words never stand
    /// together there can match nothing in it.
    fn co_occur(&self, ids: &[u32], bit: u8) -> bool {
        let Some(&rarest) = ids.iter().min_by_key(|&&id| self.doc_freqs[id as usize]) else {
            return true;
        };
        self.term_docs[rarest as usize].iter().any(|&ord| {
            let ord = ord as usize;
            ids.iter().all(|&id| {
                if bit == IN_QUESTIONS {
                    self.asks(ord, id)
                } else {
                    self.contains(ord, id)
                }
            })
        })
    }

    /// Whether passage `ord` contains the term `id`, in its title or body.
    pub fn contains(&self, ord: usize, id: u32) -> bool {
        self.doc_terms[ord].binary_search(&id).is_ok()
    }

    /// Whether one of passage `ord`'s alternate questions has the term `id`.
    pub fn asks(&self, ord: usize, id: u32) -> bool {
        self.asked_terms[ord].binary_search(&id).is_ok()
    }

    /// Passage `ord`'s alternate questions, each as its sorted term ids.
    pub fn questions(&self, ord: usize) -> &[Box<[u32]>] {
        &self.question_terms[ord]
    }

    /// How many edits a typo correction of `term` may make: one for words
    /// of 5–7 letters, two from 8, none below 5 (too many short words are
    /// one edit apart), when `None` is returned and nothing is looked up.
    pub fn typo_edits(term: &str) -> Option<usize> {
        match term.chars().count() {
            0..=4 => None,
            5..=7 => Some(1),
            _ => Some(2),
        }
    }

    /// The known term closest to an unknown `term`, for typo tolerance,
    /// within [`SearchIndex::typo_edits`], and how many edits away it is.
    /// Ties go to the more frequent term.
    pub fn correct(&self, term: &str, word: &str) -> Option<(&str, usize)> {
        let by_term = self.nearest_within(term, usize::MAX, &self.by_initial_len, |&id: &u32| {
            (self.vocabulary[id as usize].as_str(), id)
        });
        // Words are many more than stems: they are read only where they
        // could win, within fewer edits than the nearest stem (so not at all
        // once a stem is one edit away), and a word found there wins.
        let closer = by_term.map_or(usize::MAX, |(d, _, _)| d - 1);
        let by_word = (closer > 0)
            .then(|| {
                self.nearest_within(
                    &written(word),
                    closer,
                    &self.words_by_initial_len,
                    |(w, id): &(Box<str>, u32)| (&**w, *id),
                )
            })
            .flatten();
        by_word
            .or(by_term)
            .map(|(d, _, id)| (self.vocabulary[id as usize].as_str(), d))
    }

    /// The entry of `table` nearest to `typo` within its edits (and at most
    /// `cap`): (edits, rarity, term id). Typos rarely touch the first
    /// letter; requiring it keeps "posicion" from becoming "oposicion". Each
    /// edit changes the length by one at most: other lengths are never close
    /// enough, and are never visited.
    fn nearest_within<'s, T>(
        &'s self,
        typo: &str,
        cap: usize,
        table: &'s ByInitialLen<T>,
        text_and_id: impl Fn(&'s T) -> (&'s str, u32),
    ) -> Option<(usize, std::cmp::Reverse<u32>, u32)> {
        let max_edits = SearchIndex::typo_edits(typo)?.min(cap);
        let len = typo.chars().count();
        let initial = typo.chars().next()?;
        (len - max_edits..=len + max_edits)
            .filter_map(|l| table.get(&(initial, l)))
            .flatten()
            .filter_map(|entry| {
                let (text, id) = text_and_id(entry);
                let d = edit_distance(typo, text, max_edits)?;
                Some((d, std::cmp::Reverse(self.doc_freqs[id as usize]), id))
            })
            .min()
    }

    /// The best `limit` passages, best first. Each group of `concepts` is one
    /// idea of the question said in several ways: it scores by its best
    /// matching term (in the body, and again in the title), so a passage
    /// that uses two synonyms is not counted twice for one idea.
    pub fn search(&self, concepts: &[Vec<Alternative<'_>>], limit: usize) -> Vec<Hit> {
        if concepts.iter().all(Vec::is_empty) || limit == 0 {
            return Vec::new();
        }
        let term_query = |table: &Arc<FieldBm25>, id: u32, boost: f32| -> Box<dyn Query> {
            let query = KnownTermQuery {
                table: Arc::clone(table),
                id,
            };
            Box::new(BoostQuery::new(Box::new(query), boost))
        };
        let [in_title, in_body, in_questions] = &self.bm25;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for terms in concepts.iter().filter(|c| !c.is_empty()) {
            let mut disjuncts: Vec<Box<dyn Query>> = Vec::new();
            for (bm25, bit, boost) in [
                (in_body, IN_BODY, 1.0),
                (in_title, IN_TITLE, TITLE_BOOST),
                (in_questions, IN_QUESTIONS, QUESTIONS_BOOST),
            ] {
                // A clause for a term the field never holds, or a phrase
                // whose words no passage holds together there, can match
                // nothing, and would still cost tantivy a scorer per word.
                let in_field = |alt: &&Alternative| {
                    alt.ids
                        .iter()
                        .all(|&id| self.fields[id as usize] & bit != 0)
                        && (alt.ids.len() < 2 || self.co_occur(alt.ids, bit))
                };
                disjuncts.extend(terms.iter().filter(in_field).map(|alt| match alt.terms {
                    [_] => term_query(bm25, alt.ids[0], alt.boost * boost),
                    words => {
                        let all = alt
                            .ids
                            .iter()
                            .map(|&id| (Occur::Must, term_query(bm25, id, 1.0)))
                            .collect();
                        Box::new(BoostQuery::new(
                            Box::new(BooleanQuery::new(all)),
                            alt.boost * boost / words.len() as f32,
                        )) as Box<dyn Query>
                    }
                }));
            }
            // One union per idea, over every field: each union costs tantivy
            // a buffer, and ideas are few while ways and fields are many.
            match disjuncts.len() {
                0 => {}
                1 => clauses.push((Occur::Should, disjuncts.pop().expect("one"))),
                _ => clauses.push((
                    Occur::Should,
                    Box::new(DisjunctionMaxQuery::with_tie_breaker(disjuncts, FIELD_TIE)),
                )),
            }
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = match searcher.search(&query, &TopDocs::with_limit(limit).order_by_score()) {
            Ok(top) => top,
            Err(err) => {
                // An in-RAM index that never changes should not fail; if it
                // does, the question gets "no answer" and the log says why.
                tracing::warn!(error = %err, "search failed; answering with no passages");
                Vec::new()
            }
        };
        top.into_iter()
            .map(|(score, addr)| Hit {
                ord: self.doc_map[addr.segment_ord as usize][addr.doc_id as usize] as usize,
                score,
            })
            .collect()
    }

    /// A bare tantivy query as its examples write it (parse the text, top 5,
    /// a snippet of the best): the floor our answer path is measured against
    /// in the benchmarks. Returns how many hits it found.
    #[doc(hidden)]
    pub fn bare_query<'a>(&self, text: &str, body_of: impl Fn(usize) -> &'a str) -> usize {
        let searcher = self.reader.searcher();
        let mut parser = QueryParser::for_index(&self.index, vec![self.title, self.body]);
        parser.set_field_boost(self.title, TITLE_BOOST);
        let (query, _) = parser.parse_query_lenient(text);
        let top = searcher
            .search(&query, &TopDocs::with_limit(5).order_by_score())
            .unwrap_or_default();
        if let Some((_, addr)) = top.first() {
            if let Ok(generator) = SnippetGenerator::create(&searcher, &*query, self.body) {
                let ord = self.doc_map[addr.segment_ord as usize][addr.doc_id as usize];
                std::hint::black_box(generator.snippet(body_of(ord as usize)));
            }
        }
        top.len()
    }
}

/// What putting `b` where `a` was typed costs: nothing for the same
/// letter, one edit for a letter typed for one that sounds alike (a vowel
/// for a vowel, "s" for "c" or "z", "b" for "v"…) or for the key next to
/// it, two for any other. A misspelling swaps letters that sound alike
/// ("rotasion", "contavil", "benifit") or keys that touch ("typws"); a
/// real word one letter off another mostly does neither ("pasar" is not
/// "pagar", "score" not "store", "chance" not "change").
fn substitution(a: char, b: char) -> usize {
    if a == b {
        return 0;
    }
    // Each letter's groups of letters that sound alike, as bits.
    fn groups(c: char) -> u8 {
        match c {
            'a' | 'e' | 'o' | 'u' => 1,
            'i' | 'y' => 1 | 64,
            'l' => 64,
            's' | 'z' | 'x' => 2,
            'c' => 2 | 16,
            'k' | 'q' => 16,
            'b' | 'v' | 'w' => 4,
            'g' | 'j' => 8,
            'm' | 'n' => 32,
            _ => 0,
        }
    }
    // Keys next to each other on a QWERTY keyboard: a slip of the finger.
    // A key's row and its position along the row, in half keys: each row
    // sits half a key right of the one above.
    fn key(c: char) -> Option<(i8, i8)> {
        let (row, col) = match c {
            'q' => (0, 0),
            'w' => (0, 1),
            'e' => (0, 2),
            'r' => (0, 3),
            't' => (0, 4),
            'y' => (0, 5),
            'u' => (0, 6),
            'i' => (0, 7),
            'o' => (0, 8),
            'p' => (0, 9),
            'a' => (1, 0),
            's' => (1, 1),
            'd' => (1, 2),
            'f' => (1, 3),
            'g' => (1, 4),
            'h' => (1, 5),
            'j' => (1, 6),
            'k' => (1, 7),
            'l' => (1, 8),
            'z' => (2, 0),
            'x' => (2, 1),
            'c' => (2, 2),
            'v' => (2, 3),
            'b' => (2, 4),
            'n' => (2, 5),
            'm' => (2, 6),
            _ => return None,
        };
        Some((row, 2 * col + row))
    }
    fn neighbours(a: char, b: char) -> bool {
        match (key(a), key(b)) {
            (Some((ra, xa)), Some((rb, xb))) => match (ra - rb).abs() {
                0 => (xa - xb).abs() == 2,
                1 => (xa - xb).abs() == 1,
                _ => false,
            },
            _ => false,
        }
    }
    if groups(a) & groups(b) != 0 || neighbours(a, b) {
        1
    } else {
        2
    }
}

/// Optimal-string-alignment distance, a substitution weighed by
/// [`substitution`], or `None` once it exceeds `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    // Typo correction measures hundreds of words per question: words that
    // fit are measured on the stack, with no allocation.
    const N: usize = 32;
    let mut chars_a = ['\0'; N];
    let mut chars_b = ['\0'; N];
    let (Some(la), Some(lb)) = (fill(&mut chars_a, a), fill(&mut chars_b, b)) else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut rows = vec![0; 3 * (b.len() + 1)];
        return osa(&a, &b, max, &mut rows);
    };
    let mut rows = [0; 3 * (N + 1)];
    osa(
        &chars_a[..la],
        &chars_b[..lb],
        max,
        &mut rows[..3 * (lb + 1)],
    )
}

/// `text`'s characters into `buf`, and how many; `None` when they do not fit.
fn fill(buf: &mut [char], text: &str) -> Option<usize> {
    let mut n = 0;
    for c in text.chars() {
        *buf.get_mut(n)? = c;
        n += 1;
    }
    Some(n)
}

/// [`edit_distance`] over characters, with three rows of `b.len() + 1`
/// cells to work in.
fn osa(a: &[char], b: &[char], max: usize, rows: &mut [usize]) -> Option<usize> {
    let width = b.len() + 1;
    let (mut prev2, rest) = rows.split_at_mut(width);
    let (mut prev, mut cur) = rest.split_at_mut(width);
    for (j, cell) in prev.iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = substitution(a[i - 1], b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        mem::swap(&mut prev2, &mut prev);
        mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

/// Maps "kpos"/"bpos" to "kpo"/"bpo": the Spanish stemmer leaves them apart.
fn acronym_plural() -> EditTokens {
    EditTokens(Arc::new(|text: &mut String| {
        if let Some(singular) = text.strip_suffix('s') {
            if ACRONYMS.contains(&singular) {
                text.pop();
            }
        }
    }))
}

/// What marks a word to keep whole while it passes the stemmer.
const KEEP_MARK: char = '\u{1}';

/// Keeps the words of `whole` from the stemmer, which would make them read
/// like another idea ("competitive" like "competition"): before it, the
/// first marks them with a trailing control character no stemming rule
/// touches; after it, the second takes the mark off again.
fn keep_whole(whole: HashSet<String>) -> (EditTokens, EditTokens) {
    let mark = EditTokens(Arc::new(move |text: &mut String| {
        if !whole.is_empty() && whole.contains(text.as_str()) {
            text.push(KEEP_MARK);
        }
    }));
    let unmark = EditTokens(Arc::new(|text: &mut String| {
        if text.ends_with(KEEP_MARK) {
            text.pop();
        }
    }));
    (mark, unmark)
}

/// A word of a passage and the term it analyzes to.
#[derive(Debug, Clone, Copy)]
pub struct WordTerm {
    pub from: u32,
    pub to: u32,
    pub id: u32,
}

/// A token filter that edits each token's text in place.
#[derive(Clone)]
struct EditTokens(Arc<dyn Fn(&mut String) + Send + Sync>);

impl TokenFilter for EditTokens {
    type Tokenizer<T: Tokenizer> = EditTokensFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> EditTokensFilter<T> {
        EditTokensFilter(tokenizer, self.0)
    }
}

#[derive(Clone)]
struct EditTokensFilter<T>(T, Arc<dyn Fn(&mut String) + Send + Sync>);

impl<T: Tokenizer> Tokenizer for EditTokensFilter<T> {
    type TokenStream<'a> = EditTokensStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        EditTokensStream(self.0.token_stream(text), &*self.1)
    }
}

struct EditTokensStream<'a, T>(T, &'a (dyn Fn(&mut String) + Send + Sync));

impl<T: TokenStream> TokenStream for EditTokensStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        (self.1)(&mut self.0.token_mut().text);
        true
    }

    fn token(&self) -> &TantivyToken {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut TantivyToken {
        self.0.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(lang: Lang, order: AnalyzerOrder, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        terms_of(&mut analyzer(lang, order, &[]), text, &mut out);
        out.into_iter().map(|t| t.term).collect()
    }

    #[test]
    fn words_kept_whole_pass_the_stemmer_as_written() {
        let whole = ["competitive".to_string(), "Carrera".to_string()];
        for order in [AnalyzerOrder::FoldThenStem, AnalyzerOrder::StemThenFold] {
            let mut out = Vec::new();
            let text = "competition competitive competitiveness careers carrera carreras";
            terms_of(&mut analyzer(Lang::En, order, &whole), text, &mut out);
            let got: Vec<String> = out.into_iter().map(|t| t.term).collect();
            // Only the listed forms are kept, and a word the stemmer makes
            // into a listed one ("carreras") is not taken for it.
            assert_eq!(
                got,
                [
                    "competit",
                    "competitive",
                    "competit",
                    "career",
                    "carrera",
                    "carrera"
                ],
                "{order:?}"
            );
            assert_eq!(
                terms(Lang::En, order, "competitive"),
                ["competit"],
                "without the list, the stemmer reads it like competition"
            );
        }
    }

    /// A Spanish index of (title, body, one alternate question) documents.
    fn index_of(docs: &[(&str, &str, &str)], threaded: bool) -> SearchIndex {
        let questions: Vec<[String; 1]> = docs.iter().map(|d| [d.2.to_string()]).collect();
        SearchIndex::build_with(
            Lang::Es,
            AnalyzerOrder::default(),
            docs.iter().zip(&questions).map(|((t, b, _), q)| Doc {
                title: t,
                body: b,
                questions: q,
            }),
            &[],
            &[],
            threaded,
        )
        .unwrap()
    }

    #[test]
    fn spanish_analyzer_folds_stems_and_drops_stop_words() {
        let t = terms(
            Lang::Es,
            AnalyzerOrder::FoldThenStem,
            "¿Qué es la tecnología?",
        );
        assert_eq!(
            t,
            terms(Lang::Es, AnalyzerOrder::FoldThenStem, "tecnologia")
        );
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn acronym_plurals_meet_their_singular() {
        let a = terms(Lang::Es, AnalyzerOrder::FoldThenStem, "Los KPOs y los BPOS");
        assert_eq!(a, vec!["kpo".to_string(), "bpo".to_string()]);
    }

    #[test]
    fn edit_distance_counts_transpositions_as_one() {
        assert_eq!(edit_distance("benefici", "benefisi", 2), Some(1));
        assert_eq!(edit_distance("industira", "industria", 1), Some(1));
        assert_eq!(edit_distance("abc", "xyz", 1), None);
        // Past the stack buffer's 32 characters, the same measure.
        let long = "externalizaciondeprocesosdeconocimiento";
        let typo = "externalizaciondeprocesosdeconocimeinto";
        assert!(long.len() > 32);
        assert_eq!(edit_distance(typo, long, 1), Some(1));
        assert_eq!(edit_distance(&typo[..20], &long[..20], 1), Some(0));
    }

    /// Letters that sound alike are one edit apart, others two: a typo
    /// swaps the first kind, a different real word mostly the second.
    #[test]
    fn letters_that_sound_alike_are_closer() {
        for (typo, word) in [
            ("rotasion", "rotacion"),
            ("contavil", "contabil"),
            ("benifit", "benefit"),
            ("typws", "types"),
            ("bemefit", "benefit"),
        ] {
            assert_eq!(edit_distance(typo, word, 1), Some(1), "{typo}");
        }
        for (real, other) in [("pasar", "pagar"), ("score", "store"), ("chance", "change")] {
            assert_eq!(edit_distance(real, other, 1), None, "{real}");
            assert_eq!(edit_distance(real, other, 2), Some(2), "{real}");
        }
        // Letters missing, doubled or swapped stay one edit.
        assert_eq!(edit_distance("proccess", "process", 1), Some(1));
        assert_eq!(edit_distance("ventj", "ventaj", 1), Some(1));
    }

    /// Our term queries skip tantivy's per-query lookups; they must score
    /// exactly as its own `TermQuery` would, field boosts and all.
    #[test]
    fn known_term_queries_score_as_tantivys_term_queries() {
        let docs = [
            (
                "Beneficios",
                "Los costos bajan y los costos de oficina también.",
                "¿Baja costos?",
            ),
            (
                "Desafíos",
                "La rotación es alta en los centros de llamadas.",
                "¿Por qué renuncian?",
            ),
            (
                "Tipos",
                "Centros de llamadas, datos y finanzas.",
                "¿Qué tipos hay?",
            ),
            (
                "Costos",
                "Nada de costos aquí, salvo uno.",
                "¿Cuánto cuesta?",
            ),
        ];
        let index = index_of(&docs, false);
        let searcher = index.reader.searcher();
        for word in ["costos", "llamadas", "rotación", "tipos", "cuesta"] {
            let term = [index.analyze(word)[0].term.clone()];
            let id = [index.term_id(&term[0]).unwrap()];
            let ours = index.search(
                &[vec![Alternative {
                    terms: &term,
                    ids: &id,
                    boost: 0.7,
                }]],
                10,
            );
            assert!(!ours.is_empty(), "{word}");
            // The same query with tantivy's own term queries.
            let mut disjuncts: Vec<Box<dyn Query>> = Vec::new();
            for (field, bit, boost) in [
                (index.body, IN_BODY, 1.0),
                (index.title, IN_TITLE, TITLE_BOOST),
                (index.bm25[2].field, IN_QUESTIONS, QUESTIONS_BOOST),
            ] {
                if index.fields[id[0] as usize] & bit != 0 {
                    let q = tantivy::query::TermQuery::new(
                        Term::from_field_text(field, &term[0]),
                        IndexRecordOption::WithFreqs,
                    );
                    disjuncts.push(Box::new(BoostQuery::new(Box::new(q), 0.7 * boost)));
                }
            }
            let query: Box<dyn Query> = if disjuncts.len() == 1 {
                disjuncts.pop().unwrap()
            } else {
                Box::new(DisjunctionMaxQuery::with_tie_breaker(disjuncts, FIELD_TIE))
            };
            let theirs = searcher
                .search(
                    &BooleanQuery::new(vec![(Occur::Should, query)]),
                    &TopDocs::with_limit(10).order_by_score(),
                )
                .unwrap();
            assert_eq!(ours.len(), theirs.len(), "{word}");
            for (hit, (score, addr)) in ours.iter().zip(&theirs) {
                let ord = index.doc_map[addr.segment_ord as usize][addr.doc_id as usize];
                assert_eq!(hit.ord, ord as usize, "{word}");
                // The same operations in the same order: the same bits.
                assert_eq!(hit.score, *score, "{word}");
            }
        }
    }

    /// A big base is written on two threads, a small one on this one: the
    /// same documents give the same index either way.
    #[test]
    fn both_writers_index_alike() {
        let docs = [
            (
                "Beneficios",
                "Los costos bajan y la calidad sube.",
                "¿Qué gano?",
            ),
            (
                "Desafíos",
                "La rotación es alta en los centros.",
                "¿Por qué renuncian?",
            ),
            (
                "Tipos",
                "Centros de llamadas, datos y finanzas.",
                "¿Qué tipos hay?",
            ),
        ];
        let (single, threaded) = (index_of(&docs, false), index_of(&docs, true));
        assert_eq!(single.num_docs(), 3);
        assert_eq!(single.num_docs(), threaded.num_docs());
        for word in [
            "costos",
            "rotación",
            "centros",
            "renuncian",
            "tipos",
            "calidad",
        ] {
            let hits = |index: &SearchIndex| {
                let term = [index.analyze(word)[0].term.clone()];
                let id = [index.term_id(&term[0]).unwrap()];
                index
                    .search(
                        &[vec![Alternative {
                            terms: &term,
                            ids: &id,
                            boost: 1.0,
                        }]],
                        10,
                    )
                    .iter()
                    .map(|h| (h.ord, h.score))
                    .collect::<Vec<_>>()
            };
            let ours = hits(&single);
            assert!(!ours.is_empty(), "{word}");
            assert_eq!(ours, hits(&threaded), "{word}");
        }
    }

    #[test]
    fn search_ranks_titles_and_maps_hits_back() {
        let docs = [
            ("Beneficios", "Los costos bajan."),
            ("Desafíos", "La rotación es alta."),
        ];
        let index = SearchIndex::build(
            Lang::Es,
            AnalyzerOrder::default(),
            docs.iter().map(|(t, b)| Doc {
                title: t,
                body: b,
                questions: &[],
            }),
            &["rotación"],
            &[],
        )
        .unwrap();
        let q = |w: &str| {
            let term = [index.analyze(w)[0].term.clone()];
            let id = [index.term_id(&term[0]).unwrap()];
            index.search(
                &[vec![Alternative {
                    terms: &term,
                    ids: &id,
                    boost: 1.0,
                }]],
                5,
            )
        };
        assert_eq!(q("rotación")[0].ord, 1);
        assert_eq!(q("beneficio")[0].ord, 0);
        assert!(index.search(&[], 5).is_empty());
        assert!(index.contains(
            1,
            index.term_id(&index.analyze("rotación")[0].term).unwrap()
        ));
        assert_eq!(
            index
                .correct("rotasion", "rotasion")
                .map(|(v, d)| (v.to_string(), d)),
            Some((index.analyze("rotación")[0].term.clone(), 1))
        );
    }

    /// A typo's stem need not be its word's stem: the Spanish stemmer makes
    /// "bussines" "bussin" (two edits from "business", one allowed for six
    /// letters) and leaves "facturasion" (five from "factur"). Compared as
    /// written, each is within the edits its length allows.
    #[test]
    fn a_typo_is_also_compared_with_the_words_as_written() {
        let index = SearchIndex::build(
            Lang::Es,
            AnalyzerOrder::default(),
            std::iter::once(Doc {
                title: "Tipos",
                body: "Facturación médica.",
                questions: &[],
            }),
            &["business process outsourcing"],
            &[],
        )
        .unwrap();
        for (typo, word, edits) in [
            ("bussines", "business", 2),
            ("facturasion", "facturación", 1),
        ] {
            let term = index.analyze(typo)[0].term.clone();
            let want = index.analyze(word)[0].term.clone();
            assert_eq!(
                index.correct(&term, typo).map(|(v, d)| (v.to_string(), d)),
                Some((want, edits)),
                "{typo}"
            );
        }
        // Its stem alone is too far from any: "bussin" as if typed.
        assert_eq!(index.correct("bussin", "bussin"), None);
    }
}
