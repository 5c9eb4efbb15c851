//! How much a question reads like a passage, letter by letter: the cosine of
//! their character-trigram profiles, weighted by tf-idf over the edition's
//! passages.
//!
//! Words are matched whole by the index; trigrams also meet the pieces that
//! stems and synonyms miss ("renuncian" and "renuncia", "tercerizás" and
//! "tercerización", "contavilidad" and "contabilidad", a compound typed
//! apart). It is one feature of the confidence, not a ranking: cross-validated
//! on the development questions it separated right first passages from
//! wrong ones better than any other lexical signal tried.

use std::collections::HashMap;

/// A text's profile: `(trigram id, weight)`, sorted by id, of unit length.
pub type Profile = Vec<(u32, f32)>;

/// Trigram statistics of an edition's passages.
#[derive(Debug, Default)]
pub struct Trigrams {
    /// Every trigram of the passages: its id and its (smoothed) idf.
    known: HashMap<u64, (u32, f32)>,
    /// Per passage ord, its profile: made once here, since making the best
    /// passage's for each question cost 24 µs (a build measured with the
    /// bench below, not kept) where the comparison costs 1.5–1.6 µs
    /// (`cargo bench --bench answer -- bundled/reads_like`).
    passages: Vec<Profile>,
}

impl Trigrams {
    /// Learns the trigrams of `texts`, one per passage in ord order.
    pub fn build<'a>(texts: impl IntoIterator<Item = &'a str>) -> Trigrams {
        let counts: Vec<HashMap<u64, u32>> = texts.into_iter().map(count).collect();
        let mut df: HashMap<u64, u32> = HashMap::new();
        for c in &counts {
            for &g in c.keys() {
                *df.entry(g).or_default() += 1;
            }
        }
        // Ids in sorted trigram order, so a build is the same every time.
        let mut grams: Vec<(u64, u32)> = df.into_iter().collect();
        grams.sort_unstable();
        let n = counts.len() as f32;
        let known: HashMap<u64, (u32, f32)> = grams
            .into_iter()
            .enumerate()
            .map(|(id, (g, df))| (g, (id as u32, ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0)))
            .collect();
        let passages = counts.iter().map(|c| profile_of(&known, c)).collect();
        Trigrams { known, passages }
    }

    /// The profile of `text` over the passages' trigrams (others say nothing
    /// about any passage, so they do not count).
    pub fn profile(&self, text: &str) -> Profile {
        profile_of(&self.known, &count(text))
    }

    /// The cosine between `profile` and passage `ord`'s, in [0, 1].
    pub fn similarity(&self, profile: &Profile, ord: usize) -> f32 {
        let Some(passage) = self.passages.get(ord) else {
            return 0.0;
        };
        let (mut i, mut j, mut dot) = (0, 0, 0.0);
        while i < profile.len() && j < passage.len() {
            match profile[i].0.cmp(&passage[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += profile[i].1 * passage[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        dot.min(1.0)
    }
}

/// Sublinear tf times idf, normalized to unit length, sorted by id.
fn profile_of(known: &HashMap<u64, (u32, f32)>, counts: &HashMap<u64, u32>) -> Profile {
    let mut profile: Profile = counts
        .iter()
        .filter_map(|(g, &tf)| {
            let &(id, idf) = known.get(g)?;
            Some((id, (1.0 + (tf as f32).ln()) * idf))
        })
        .collect();
    // Summed in id order, so the same text always gets the same numbers.
    profile.sort_unstable_by_key(|&(id, _)| id);
    let norm = profile.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        profile.iter_mut().for_each(|(_, w)| *w /= norm);
    }
    profile
}

/// The trigrams of each word of `text`, lowercased and without accents, with
/// a space on each side of the word (" bpo " gives " bp", "bpo", "po ";
/// " a " is one).
fn count(text: &str) -> HashMap<u64, u32> {
    let mut counts: HashMap<u64, u32> = HashMap::new();
    let mut word: Vec<char> = vec![' '];
    let mut flush = |word: &mut Vec<char>| {
        if word.len() > 1 {
            word.push(' ');
            for w in word.windows(3) {
                *counts.entry(pack(w)).or_default() += 1;
            }
        }
        word.truncate(1);
    };
    for c in crate::lang::folded(text) {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word);
        }
    }
    flush(&mut word);
    counts
}

/// Up to three characters in one number (21 bits each).
fn pack(chars: &[char]) -> u64 {
    chars
        .iter()
        .fold(0u64, |acc, &c| (acc << 21) | u64::from(u32::from(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Trigrams {
        Trigrams::build([
            "La rotación de personal es alta en los call centers.",
            "Un KPO maneja conocimiento: investigación, análisis, datos.",
            "El BPO reduce costos y libera a la gerencia.",
        ])
    }

    #[test]
    fn a_passage_reads_exactly_like_itself() {
        let m = model();
        let p = m.profile("Un KPO maneja conocimiento: investigación, análisis, datos.");
        assert!((m.similarity(&p, 1) - 1.0).abs() < 1e-5);
        assert!(m.similarity(&p, 0) < 0.2);
    }

    #[test]
    fn accents_case_and_typos_still_read_alike() {
        let m = model();
        let typed = m.profile("ROTACION del persnal en call centers");
        assert!(m.similarity(&typed, 0) > 0.4, "{}", m.similarity(&typed, 0));
        assert!(m.similarity(&typed, 0) > 3.0 * m.similarity(&typed, 2));
    }

    #[test]
    fn words_no_passage_uses_say_nothing() {
        let m = model();
        assert!(m.profile("xyzzy qwwq").is_empty());
        assert_eq!(m.similarity(&m.profile(""), 0), 0.0);
        assert_eq!(m.similarity(&m.profile("rotación"), 99), 0.0);
    }

    #[test]
    fn short_words_are_padded_whole() {
        let c = count("a bp");
        assert!(c.contains_key(&pack(&[' ', 'a', ' '])));
        assert!(c.contains_key(&pack(&[' ', 'b', 'p'])));
        assert!(c.contains_key(&pack(&['b', 'p', ' '])));
        assert_eq!(c.values().sum::<u32>(), 3);
    }
}
