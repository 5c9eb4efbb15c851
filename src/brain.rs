//! The Brain: one immutable snapshot of everything the bot knows.
//!
//! Built whole from a knowledge folder (parsed, validated, indexed) and never
//! changed afterwards, so a reload can build a new one beside it and swap.
//! Front ends and the answer/recommend functions only read it.

use aho_corasick::AhoCorasick;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::index::{AnalyzerOrder, Doc, SearchIndex};
use crate::knowledge::{self, Edition, Knowledge, Limits, PassageRef, Problem, Problems};
use crate::lang::Lang;

/// One language edition, indexed.
#[derive(Debug)]
pub struct EditionIndex {
    pub lang: Lang,
    pub index: SearchIndex,
    /// `(document, section, passage)` positions, in the order the index holds them.
    locations: Vec<(usize, usize, usize)>,
    /// Synonym groups analyzed for this language.
    pub synonyms: Vec<SynonymGroup>,
    /// A synonym's first term → `(group, member)` of every synonym that
    /// starts with it: how a question finds its synonyms without a scan.
    pub member_starts: HashMap<String, Vec<(u32, u32)>>,
    /// Analyzed filler words, dropped from questions.
    pub ignore: HashSet<String>,
    /// Filler phrases ("hoy en día", "these days"), each as its folded
    /// words, sorted: dropped from a question only where it says them
    /// whole, so "hoy" and "days" alone stay ideas.
    pub ignore_phrases: Vec<Vec<String>>,
    /// The words a synonym group lists (folded) that read like an `ignore`
    /// word ("necesitan" for requirements, "necesito" filler, both
    /// "necesit"): a question that says the listed word keeps its idea.
    pub listed_despite_ignore: HashSet<String>,
    /// The term ids of `ignore`'s words that the index holds, sorted: an
    /// alternate question's "what" or "does" says nothing a question can
    /// match, since questions drop them.
    pub ignored_ids: Vec<u32>,
    /// Analyzed words that mark a question as on our subject.
    pub topic: HashSet<String>,
    /// Analyzed words that ask for what the knowledge does not hold
    /// (`beyond` of `synonyms.toml`).
    pub beyond: HashSet<String>,
    /// Analyzed words and phrases of our field ("call center"): on topic,
    /// without naming the subject.
    pub domain: Vec<Vec<String>>,
    /// The synonym groups' phrases, the figures and the counts (`figures`
    /// and `counts` of `synonyms.toml`), found in one pass over a
    /// question's [`phrase_key`].
    pub phrases: Phrases,
    /// Its passages' character trigrams: how much a question reads like one.
    pub trigrams: crate::trigrams::Trigrams,
    /// Per passage ord, the figures it gives.
    pub gives: Vec<Gives>,
    /// Per passage ord, what figure each of its alternate questions asks
    /// for (in the order of [`SearchIndex::questions`]).
    pub questions_ask: Vec<Vec<Asks>>,
    /// Per section (in index order), its title's term ids and its first passage.
    pub sections: Vec<SectionKey>,
    /// Per passage ord, the position of its section in `sections`.
    pub passage_section: Vec<u32>,
    /// Per passage ord, the ord of the list overview it is an item of (the
    /// items follow their overview).
    pub list_of: Vec<Option<usize>>,
    /// Its sections' subjects and aspects, for follow-up questions.
    pub outline: crate::conversation::Outline,
    /// Per passage ord, its text's words and their terms, made the first
    /// time the passage is shown highlighted: analyzing the words of the
    /// text on every answer cost a tenth of the answer.
    words: Vec<std::sync::OnceLock<Box<[crate::index::WordTerm]>>>,
}

impl EditionIndex {
    /// The items of the list whose overview is passage `overview` (none
    /// when it is not an overview): they follow it.
    pub fn items_of(&self, overview: usize) -> impl Iterator<Item = usize> + '_ {
        (overview + 1..self.list_of.len()).take_while(move |&i| self.list_of[i] == Some(overview))
    }

    /// The words of passage `ord`'s text, `text`, with their terms.
    pub fn words_of(&self, ord: usize, text: &str) -> &[crate::index::WordTerm] {
        self.words[ord].get_or_init(|| self.index.word_terms(text))
    }
}

/// One synonym group as the answer path uses it.
#[derive(Debug)]
pub struct SynonymGroup {
    /// Each member's analyzed terms.
    pub members: Vec<Vec<String>>,
    /// Members of several words, folded like slugs ("-work-at-"): matched
    /// against the question's own words, so phrases made of stop or filler
    /// words ("work at", "qué es") still count.
    pub phrases: Vec<String>,
    /// Each of `phrases`' analyzed terms: the question's words a phrase
    /// found in it stands for.
    pub phrase_terms: Vec<Vec<String>>,
}

/// Every synonym phrase, figure and count of an edition in one automaton:
/// a question is read once for all of them, not once per phrase.
#[derive(Debug)]
pub struct Phrases {
    finder: AhoCorasick,
    /// Per pattern, what saying it means.
    owners: Vec<Owner>,
    /// How many synonym groups there are.
    groups: usize,
}

#[derive(Debug, Clone, Copy)]
enum Owner {
    /// A synonym group's phrase: the group, and the phrase's place in it.
    Group(u32, u32),
    Figure,
    Count,
}

/// What [`Phrases::find`] found in a question.
#[derive(Debug)]
pub struct Found {
    /// Per synonym group, whether the question says one of its phrases.
    pub groups: Vec<bool>,
    /// Each phrase it says: its group, and its place in the group's
    /// `phrases` (and `phrase_terms`).
    pub phrases: Vec<(u32, u32)>,
    /// The figure it asks for.
    pub asks: Asks,
}

/// Adverbs that slip into a phrase without changing what it says ("why do
/// companies even outsource", "what actually separates them"), folded as in
/// a [`phrase_key`]: phrases are looked for with them left out, too.
const HEDGES: &[&str] = &[
    "actually",
    "even",
    "really",
    "just",
    "basically",
    "exactly",
    "simply",
    "truly",
    "realmente",
    "exactamente",
    "basicamente",
    "simplemente",
];

/// `folded` (a [`phrase_key`]) without its [`HEDGES`]; `None` when it says none.
fn without_hedges(folded: &str) -> Option<String> {
    let hedge = |w: &str| HEDGES.contains(&w);
    if !folded.split('-').any(hedge) {
        return None;
    }
    let words: Vec<&str> = folded
        .split('-')
        .filter(|w| !w.is_empty() && !hedge(w))
        .collect();
    Some(format!("-{}-", words.join("-")))
}

/// What kind of figure a question asks for, the more demanding last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Asks {
    #[default]
    Nothing,
    /// A count ("¿cuántos tipos hay?"): a number or a list answers it.
    Count,
    /// An amount ("¿cuánto cobra?", "sueldo"): only a number answers it.
    Amount,
}

impl Phrases {
    fn build(
        groups: &[SynonymGroup],
        figures: &[String],
        counts: &[String],
    ) -> Result<Phrases, String> {
        let mut patterns: Vec<&str> = Vec::new();
        let mut owners = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            for (k, phrase) in group.phrases.iter().enumerate() {
                patterns.push(phrase);
                owners.push(Owner::Group(g as u32, k as u32));
            }
        }
        for (list, owner) in [(figures, Owner::Figure), (counts, Owner::Count)] {
            for phrase in list {
                patterns.push(phrase);
                owners.push(owner);
            }
        }
        let finder = AhoCorasick::new(&patterns).map_err(|e| e.to_string())?;
        Ok(Phrases {
            finder,
            owners,
            groups: groups.len(),
        })
    }

    /// What `folded` (a [`phrase_key`]) says of the synonym groups'
    /// phrases, and what figure it asks for.
    pub fn find(&self, folded: &str) -> Found {
        let mut groups = vec![false; self.groups];
        let mut phrases = Vec::new();
        let mut said = |g: u32, k: u32| {
            groups[g as usize] = true;
            if !phrases.contains(&(g, k)) {
                phrases.push((g, k));
            }
        };
        let mut asks = self.scan(folded, &mut said);
        if let Some(bare) = without_hedges(folded) {
            asks = asks.max(self.scan(&bare, &mut said));
        }
        Found {
            groups,
            phrases,
            asks,
        }
    }

    /// What figure `folded` asks for, its synonym phrases aside.
    pub fn asks(&self, folded: &str) -> Asks {
        self.scan(folded, |_, _| {})
    }

    /// What figure `folded` asks for, telling `group` of each synonym
    /// group's phrase it says. An amount outweighs a count: "¿cuántos
    /// dólares por hora?" wants a number.
    fn scan(&self, folded: &str, mut group: impl FnMut(u32, u32)) -> Asks {
        let mut asks = Asks::Nothing;
        // Phrases share their dashes ("-how-much-" and "-much-more-"), so
        // matches may overlap.
        for m in self.finder.find_overlapping_iter(folded) {
            match self.owners[m.pattern().as_usize()] {
                Owner::Group(g, k) => group(g, k),
                Owner::Figure => asks = Asks::Amount,
                Owner::Count if asks == Asks::Nothing => asks = Asks::Count,
                Owner::Count => {}
            }
        }
        asks
    }
}

/// The figures a passage gives.
#[derive(Debug, Clone, Copy)]
pub struct Gives {
    /// A digit: an amount, a share, a count.
    pub number: bool,
    /// A list, whose items can be counted.
    pub list: bool,
}

impl Gives {
    /// Whether what it gives can answer what a question `asks` for.
    pub fn answers(self, asks: Asks) -> bool {
        match asks {
            Asks::Nothing => true,
            Asks::Count => self.number || self.list,
            Asks::Amount => self.number,
        }
    }
}

/// What a question must say to be asking for a section as a whole.
#[derive(Debug)]
pub struct SectionKey {
    /// The title's content words (filler removed), as term ids.
    pub title_ids: Vec<u32>,
    /// The ord of the section's first passage: its overview or definition.
    pub first: usize,
}

#[derive(Debug)]
pub struct Brain {
    pub knowledge: Knowledge,
    pub editions: BTreeMap<Lang, EditionIndex>,
    /// How long parsing and indexing took.
    pub build_time: Duration,
}

impl Brain {
    /// Reads, validates and indexes `dir` within the default [`Limits`].
    pub fn load(dir: &Path) -> Result<Brain, Problems> {
        Brain::load_with(dir, Limits::default())
    }

    /// Reads, validates and indexes `dir`: the whole Brain, or every problem.
    pub fn load_with(dir: &Path, limits: Limits) -> Result<Brain, Problems> {
        let started = Instant::now();
        let knowledge = knowledge::load_with(dir, limits)?;
        let mut brain = Brain::build(knowledge, AnalyzerOrder::default())?;
        brain.build_time = started.elapsed();
        Ok(brain)
    }

    /// Indexes already parsed knowledge.
    pub fn build(knowledge: Knowledge, order: AnalyzerOrder) -> Result<Brain, Problems> {
        let started = Instant::now();
        // Side by side: each edition's index is independent, and indexing
        // holds a term table of ~256 KB, so two at once cost no memory to
        // speak of (it was 15 MB each with tantivy's threaded writer).
        let built: Vec<(Lang, Result<EditionIndex, Problems>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = knowledge
                .editions
                .iter()
                .map(|(&lang, edition)| {
                    let knowledge = &knowledge;
                    (
                        lang,
                        scope.spawn(move || index_edition(knowledge, lang, edition, order)),
                    )
                })
                .collect();
            handles
                .into_iter()
                .map(|(lang, h)| {
                    (
                        lang,
                        h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                    )
                })
                .collect()
        });
        let mut editions = BTreeMap::new();
        for (lang, edition) in built {
            editions.insert(lang, edition?);
        }
        Ok(Brain {
            knowledge,
            editions,
            build_time: started.elapsed(),
        })
    }

    /// The language `text` is written in ([`crate::lang::detect_with`]):
    /// by its grammar words, else by which edition's passages and alternate
    /// questions use its words.
    pub fn detect(&self, text: &str) -> Lang {
        crate::lang::detect_with(text, |lang, word| {
            self.editions
                .get(&lang)
                .is_some_and(|e| e.index.has_own_word(word))
        })
    }

    /// The edition for `lang`, or the first one there is.
    pub fn edition(&self, lang: Lang) -> &EditionIndex {
        crate::lang::this_or_first(&self.editions, lang)
            .expect("a loaded Brain has at least one edition")
            .1
    }

    /// The passage at position `ord` of an edition's index.
    pub fn passage(&self, lang: Lang, ord: usize) -> PassageRef<'_> {
        let (d, s, p) = self.editions[&lang].locations[ord];
        let document = &self.knowledge.editions[&lang].documents[d];
        let section = &document.sections[s];
        PassageRef {
            passage: &section.passages[p],
            section,
            document,
        }
    }

    /// The search text of passage `ord` (what the index holds for it).
    pub fn search_text(&self, lang: Lang, ord: usize) -> &str {
        &self.passage(lang, ord).passage.search
    }

    /// The position in `lang`'s edition of the passage with `id`, the twin of
    /// the passage at `ord` in another edition. Editions usually line up
    /// passage for passage, so the same position is tried before a search.
    pub fn twin(&self, lang: Lang, ord: usize, id: &str) -> Option<usize> {
        let edition = self.editions.get(&lang)?;
        if ord < edition.locations.len() && self.passage(lang, ord).passage.id == id {
            return Some(ord);
        }
        (0..edition.locations.len()).find(|&o| self.passage(lang, o).passage.id == id)
    }

    /// Finds a passage by id in `lang`'s edition.
    pub fn find(&self, lang: Lang, id: &str) -> Option<PassageRef<'_>> {
        self.knowledge
            .editions
            .get(&lang)?
            .passages()
            .find(|p| p.passage.id == id)
    }

    /// The `/recommend` rules, or the problem of their absence.
    pub fn rules(&self) -> Result<&crate::knowledge::Rules, Problems> {
        self.knowledge.rules()
    }

    pub fn passage_count(&self) -> usize {
        self.editions.values().map(|e| e.locations.len()).sum()
    }

    pub fn section_count(&self) -> usize {
        self.knowledge
            .editions
            .values()
            .flat_map(|e| &e.documents)
            .map(|d| d.sections.len())
            .sum()
    }

    /// What `check` warns about in `synonyms.toml`: words that analysis
    /// makes one, so that an idea is silently lost or taken for another.
    /// A question's words are compared after analysis (stemming, accents
    /// and case folded), and so are these.
    ///
    /// - An `ignore` word that reads like a synonym of some group: questions
    ///   drop that idea ("saludos" reads "salud", and health was dropped).
    /// - One word in two groups: a question saying it gets only the first.
    pub fn warnings(&self) -> Vec<String> {
        let synonyms = &self.knowledge.synonyms;
        let mut out = Vec::new();
        for edition in self.editions.values() {
            let lang = edition.lang.code();
            let analyze = |word: &str| -> Vec<String> {
                edition
                    .index
                    .analyze(word)
                    .into_iter()
                    .map(|t| t.term)
                    .collect()
            };
            // Each single-word synonym's analysed form → its group and word.
            let mut read_as: HashMap<String, (usize, &str)> = HashMap::new();
            let mut warned: HashSet<(String, usize)> = HashSet::new();
            for (g, group) in synonyms.groups.iter().enumerate() {
                // A word as synonym groups count them (`index_edition`).
                for word in group.iter().filter(|w| word_count(w) == 1) {
                    let mut terms = analyze(word);
                    if terms.len() != 1 {
                        continue;
                    }
                    let term = terms.remove(0);
                    match read_as.get(&term) {
                        // Once per word and pair of groups ("trabajo" and
                        // "trabajar" are one warning).
                        Some(&(other, first)) if other != g && warned.insert((term.clone(), g)) => {
                            out.push(format!(
                                "{lang}: '{first}' (group '{}') and '{word}' (group '{}') both read '{term}': a question saying either gets the first group only",
                                synonyms.groups[other][0], group[0]
                            ))
                        }
                        Some(_) => {}
                        None => {
                            read_as.insert(term, (g, word));
                        }
                    }
                }
            }
            for word in synonyms.ignore.iter().filter(|w| word_count(w) == 1) {
                for term in analyze(word) {
                    if let Some(&(g, synonym)) = read_as.get(&term) {
                        out.push(format!(
                            "{lang}: the ignore word '{word}' reads '{term}' like '{synonym}' (group '{}'): questions lose that idea unless they say a form the group lists",
                            synonyms.groups[g][0]
                        ));
                    }
                }
            }
        }
        out
    }
}

/// `text` as its folded words between dashes ("-how-much-"): a phrase is
/// said whole in a question when the question's key contains the phrase's.
pub fn phrase_key(text: &str) -> String {
    format!("-{}-", crate::knowledge::markdown::slugify(text))
}

/// `text`'s words, folded like a question's.
pub fn folded_words(text: &str) -> Vec<String> {
    crate::lang::words(text)
        .map(|w| crate::lang::folded(w).collect())
        .collect()
}

/// Words as the tokenizer sees them.
fn word_count(text: &str) -> usize {
    crate::lang::words(text).count()
}

/// Indexes one language edition of `knowledge`.
fn index_edition(
    knowledge: &Knowledge,
    lang: Lang,
    edition: &Edition,
    order: AnalyzerOrder,
) -> Result<EditionIndex, Problems> {
    let mut locations = Vec::new();
    for (d, doc) in edition.documents.iter().enumerate() {
        for (s, section) in doc.sections.iter().enumerate() {
            for p in 0..section.passages.len() {
                locations.push((d, s, p));
            }
        }
    }
    let docs = edition.passages().map(|p| Doc {
        title: &p.section.title,
        body: &p.passage.search,
        questions: &p.passage.questions,
    });
    let docs: Vec<Doc> = docs.collect();
    // Synonyms join the vocabulary so "rotasión" corrects to "rotación"
    // even though only its synonym "desgaste" is in the text.
    let synonym_terms: Vec<&str> = knowledge
        .synonyms
        .groups
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let index = SearchIndex::build(
        lang,
        order,
        docs.into_iter(),
        &synonym_terms,
        &knowledge.synonyms.whole,
    )
    .map_err(|err| Problems(vec![Problem::new(&knowledge.dir, 0, err.to_string())]))?;
    let analyze =
        |text: &str| -> Vec<String> { index.analyze(text).into_iter().map(|t| t.term).collect() };
    let analyze_all =
        |words: &[String]| -> HashSet<String> { words.iter().flat_map(|w| analyze(w)).collect() };
    let (ignore_phrases, ignore_words): (Vec<String>, Vec<String>) = knowledge
        .synonyms
        .ignore
        .iter()
        .cloned()
        .partition(|w| word_count(w) > 1);
    let ignore = analyze_all(&ignore_words);
    let mut ignore_phrases: Vec<Vec<String>> =
        ignore_phrases.iter().map(|p| folded_words(p)).collect();
    // Sorted, so a question's word finds the phrases it opens by binary search.
    ignore_phrases.sort_unstable();
    // A phrase that opens with a word analysis or `ignore` drops ("por qué
    // las empresas tercerizan", "why do companies outsource") is a way of
    // asking, meant as said: its remaining words ("empresas tercerizan")
    // anywhere in a question or a passage do not say it.
    let as_said = |term: &str| {
        term.split_whitespace()
            .next()
            .is_some_and(|first| analyze(first).iter().all(|t| ignore.contains(t)))
    };
    let synonyms: Vec<SynonymGroup> = knowledge
        .synonyms
        .groups
        .iter()
        .map(|group| {
            let (phrases, phrase_terms) = group
                .iter()
                .filter(|term| term.split_whitespace().count() > 1)
                .map(|term| (phrase_key(term), analyze(term)))
                .unzip();
            SynonymGroup {
                // A phrase that analysis leaves one word of ("para qué
                // tercerizar" is "terceriz", "se van" is "van") would search
                // for that word, often another group's idea: it only marks
                // questions that say it whole. "Externalización de procesos
                // de negocio" keeps its three ideas and stays a way of saying
                // BPO.
                members: group
                    .iter()
                    .map(|term| (term, analyze(term)))
                    .filter(|(term, terms)| {
                        !terms.is_empty()
                            && (word_count(term) == 1 || (terms.len() > 1 && !as_said(term)))
                    })
                    .map(|(_, terms)| terms)
                    .collect(),
                phrases,
                phrase_terms,
            }
        })
        .filter(|group| group.members.len() + group.phrases.len() >= 2)
        .collect();
    let listed_despite_ignore: HashSet<String> = knowledge
        .synonyms
        .groups
        .iter()
        .flatten()
        .filter(|term| word_count(term) == 1 && analyze(term).iter().any(|t| ignore.contains(t)))
        .map(|term| crate::lang::folded(term).collect())
        .collect();
    let mut member_starts: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
    for (g, group) in synonyms.iter().enumerate() {
        for (m, member) in group.members.iter().enumerate() {
            member_starts
                .entry(member[0].clone())
                .or_default()
                .push((g as u32, m as u32));
        }
    }
    let mut ignored_ids: Vec<u32> = ignore.iter().filter_map(|t| index.term_id(t)).collect();
    ignored_ids.sort_unstable();
    let topic = analyze_all(&knowledge.synonyms.topic);
    let beyond = analyze_all(&knowledge.synonyms.beyond);
    let domain = knowledge
        .synonyms
        .domain
        .iter()
        .map(|d| analyze(d))
        .filter(|terms| !terms.is_empty())
        .collect();
    let keys = |phrases: &[String]| -> Vec<String> {
        phrases
            .iter()
            .map(|f| phrase_key(f))
            // An empty phrase ("" or "¿?") would be found in every question.
            .filter(|key| key != "--")
            .collect()
    };
    let phrases = Phrases::build(
        &synonyms,
        &keys(&knowledge.synonyms.figures),
        &keys(&knowledge.synonyms.counts),
    )
    .map_err(|err| Problems(vec![Problem::new(&knowledge.dir, 0, err)]))?;
    let gives = edition
        .passages()
        .map(|p| Gives {
            number: p.passage.text.chars().any(|c| c.is_ascii_digit()),
            list: p.passage.is_list(),
        })
        .collect();
    let questions_ask = edition
        .passages()
        .map(|p| {
            p.passage
                .questions
                .iter()
                .map(|q| phrases.asks(&phrase_key(q)))
                .collect()
        })
        .collect();
    let passages = locations.len();
    let mut list_of = vec![None; passages];
    for (ord, p) in edition.passages().enumerate() {
        let items = ord + 1..(ord + 1 + p.passage.overview_items()).min(passages);
        list_of[items].fill(Some(ord));
    }
    let trigrams =
        crate::trigrams::Trigrams::build(edition.passages().map(|p| p.passage.text.as_str()));
    let mut sections: Vec<SectionKey> = Vec::new();
    let mut passage_section = Vec::with_capacity(locations.len());
    for (ord, &(d, s, p)) in locations.iter().enumerate() {
        if p == 0 {
            let title = &edition.documents[d].sections[s].title;
            let mut title_ids: Vec<u32> = analyze(title)
                .iter()
                .filter(|t| !ignore.contains(*t))
                .filter_map(|t| index.term_id(t))
                .collect();
            title_ids.sort_unstable();
            title_ids.dedup();
            sections.push(SectionKey {
                title_ids,
                first: ord,
            });
        }
        passage_section.push((sections.len() - 1) as u32);
    }
    let outline = crate::conversation::Outline::build(lang, edition, &index, &synonyms, &ignore);
    Ok(EditionIndex {
        lang,
        outline,
        index,
        locations,
        synonyms,
        member_starts,
        ignore,
        ignore_phrases,
        listed_despite_ignore,
        ignored_ids,
        topic,
        beyond,
        domain,
        phrases,
        gives,
        questions_ask,
        trigrams,
        sections,
        passage_section,
        words: (0..list_of.len())
            .map(|_| std::sync::OnceLock::new())
            .collect(),
        list_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Phrases that share words are all found, and figures and counts told
    /// apart.
    #[test]
    fn phrases_are_found_in_one_pass_even_when_they_overlap() {
        let group = |phrases: &[&str]| SynonymGroup {
            members: Vec::new(),
            phrases: phrases.iter().map(|p| phrase_key(p)).collect(),
            phrase_terms: Vec::new(),
        };
        let groups = [
            group(&["work at", "work for"]),
            group(&["call center"]),
            group(&["center of excellence"]),
        ];
        let figures = vec![phrase_key("how much"), phrase_key("per hour")];
        let counts = vec![phrase_key("how many")];
        let phrases = Phrases::build(&groups, &figures, &counts).unwrap();
        for (q, said, asks) in [
            (
                "How much does a CALL center of excellence pay per hour?",
                [false, true, true],
                Asks::Amount,
            ),
            (
                "I work at a call centre",
                [true, false, false],
                Asks::Nothing,
            ),
            (
                "how many call center agents are there",
                [false, true, false],
                Asks::Count,
            ),
            // An amount outweighs a count, whichever comes first.
            ("how many dollars per hour", [false; 3], Asks::Amount),
            // Whole words only: "network at" is not "work at".
            ("network at home", [false; 3], Asks::Nothing),
            ("", [false; 3], Asks::Nothing),
        ] {
            let found = phrases.find(&phrase_key(q));
            assert_eq!((found.groups, found.asks), (said.to_vec(), asks), "{q:?}");
            assert_eq!(phrases.asks(&phrase_key(q)), asks, "{q:?}");
        }
    }

    /// "What actually separates them" says "what separates": a hedge inside
    /// a phrase does not hide it, and a phrase found both ways counts once.
    #[test]
    fn hedges_inside_a_phrase_do_not_hide_it() {
        let groups = [SynonymGroup {
            members: Vec::new(),
            phrases: vec![phrase_key("what separates"), phrase_key("why outsource")],
            phrase_terms: Vec::new(),
        }];
        let phrases = Phrases::build(&groups, &[], &[]).unwrap();
        for (q, found) in [
            ("What actually separates them?", vec![(0, 0)]),
            (
                "why even outsource, what separates it",
                vec![(0, 0), (0, 1)],
            ),
            ("what really, truly separates them", vec![(0, 0)]),
            ("what separates them", vec![(0, 0)]),
            ("what actual separates", vec![]),
        ] {
            assert_eq!(phrases.find(&phrase_key(q)).phrases, found, "{q:?}");
        }
        assert_eq!(without_hedges("-what-separates-"), None);
        assert_eq!(
            without_hedges("-why-do-you-even-ask-").as_deref(),
            Some("-why-do-you-ask-")
        );
    }
}
