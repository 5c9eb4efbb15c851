//! The loader against random damage: copies of the bundled knowledge with
//! bytes flipped, lines deleted or doubled, and tricky text dropped in
//! (comment markers, anchors, headings, TOML tables, huge numbers, bytes that
//! are not UTF-8). Whatever the damage, loading never panics, and every
//! problem it reports points at a line of the damaged file, so an admin can
//! go straight to it.

use std::fs;
use std::path::{Path, PathBuf};

use outsourcing_bot::brain::Brain;
use outsourcing_bot::index::AnalyzerOrder;
use outsourcing_bot::knowledge;
use proptest::prelude::*;
use proptest::sample::Index;

/// Every file of the bundled knowledge, relative to its folder.
const FILES: [&str; 4] = [
    "es/bpo-kpo.md",
    "en/bpo-kpo.md",
    "synonyms.toml",
    "rules.toml",
];

/// Text that means something to one of the parsers, or breaks a naive one.
const TRICKY: &[&[u8]] = &[
    b"<!--",
    b"-->",
    b"<!-- x -->",
    b"{#",
    b"{#}",
    b"{#Bad Slug}",
    b"? ",
    b"?",
    b"#",
    b"# ",
    b"## ",
    b"### x",
    b"- ",
    b"* ",
    b": ",
    b"**",
    b"[[group]]",
    b"[[rule]]",
    b"[[question]]",
    b"[verdict]",
    b"=",
    b"\"",
    b"'''",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"1e308",
    b"-1e308",
    b"99999999999999999999999999999999",
    b"nan",
    b"inf",
    b"0",
    b"\xff",
    b"\xc3",
    b"\xe2\x80",
    b"\0",
    b"\r",
    b"\n",
    b"\t",
    "\u{200b}".as_bytes(),
    "¿é?".as_bytes(),
];

#[derive(Debug, Clone)]
enum Mutation {
    /// XOR one byte with a non-zero mask.
    FlipByte(Index, u8),
    DeleteLine(Index),
    DuplicateLine(Index),
    /// A tricky string at any byte, even inside a multi-byte character.
    Insert(Index, Index),
    /// A tricky string as a line of its own.
    InsertLine(Index, Index),
    /// The file cut short, as a crashed editor leaves it.
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1..=u8::MAX).prop_map(|(at, mask)| Mutation::FlipByte(at, mask)),
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(at, what)| Mutation::Insert(at, what)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, what)| Mutation::InsertLine(at, what)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// Byte offsets where each line starts.
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|&start| start < bytes.len())
        .collect()
}

/// The byte range of one line, its newline included.
fn line_range(bytes: &[u8], at: &Index) -> Option<std::ops::Range<usize>> {
    let starts = line_starts(bytes);
    if starts.is_empty() {
        return None;
    }
    let i = at.index(starts.len());
    let end = starts.get(i + 1).copied().unwrap_or(bytes.len());
    Some(starts[i]..end)
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let tricky = |what: &Index| TRICKY[what.index(TRICKY.len())];
    match mutation {
        Mutation::FlipByte(at, mask) => {
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] ^= mask;
            }
        }
        Mutation::DeleteLine(at) => {
            if let Some(range) = line_range(bytes, at) {
                bytes.drain(range);
            }
        }
        Mutation::DuplicateLine(at) => {
            if let Some(range) = line_range(bytes, at) {
                let line = bytes[range.clone()].to_vec();
                bytes.splice(range.start..range.start, line);
            }
        }
        Mutation::Insert(at, what) => {
            let i = at.index(bytes.len() + 1);
            bytes.splice(i..i, tricky(what).iter().copied());
        }
        Mutation::InsertLine(at, what) => {
            let i = line_range(bytes, at).map_or(0, |range| range.start);
            let mut line = tricky(what).to_vec();
            line.push(b'\n');
            bytes.splice(i..i, line);
        }
        Mutation::Truncate(at) => {
            let keep = at.index(bytes.len() + 1);
            bytes.truncate(keep);
        }
    }
}

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

/// A copy of the bundled knowledge with `mutations` applied to its files;
/// returns the folder and each file's final bytes.
fn damaged_copy(mutations: &[(usize, Mutation)]) -> (tempfile::TempDir, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut contents: Vec<Vec<u8>> = FILES
        .iter()
        .map(|name| fs::read(bundled().join(name)).expect("the bundled file"))
        .collect();
    for (file, mutation) in mutations {
        apply(&mut contents[*file], mutation);
    }
    for (name, bytes) in FILES.iter().zip(&contents) {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create the folder");
        fs::write(path, bytes).expect("write the file");
    }
    (dir, contents)
}

/// Lines `line` may name in `bytes`: one past the last is the end of the file.
fn lines_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count() + 1
}

#[test]
fn the_undamaged_copy_loads() {
    // The control: without damage the copy is whole, so what the property
    // below sees comes from the mutations alone.
    let (dir, _) = damaged_copy(&[]);
    if let Err(problems) = knowledge::load(dir.path()) {
        panic!("{problems}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        // A failure shrinks to a handful of mutations quickly.
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_knowledge_never_panics_and_every_problem_has_its_line(
        mutations in prop::collection::vec((0..FILES.len(), mutation()), 1..6)
    ) {
        let (dir, contents) = damaged_copy(&mutations);
        match knowledge::load(dir.path()) {
            Ok(knowledge) => {
                // What loads must also index and serve without a panic.
                let brain = Brain::build(knowledge, AnalyzerOrder::default());
                prop_assert!(brain.is_ok(), "{:?}", brain.err());
            }
            Err(problems) => {
                prop_assert!(!problems.0.is_empty());
                for problem in &problems.0 {
                    let relative = problem
                        .file
                        .strip_prefix(dir.path())
                        .map(|p| p.to_string_lossy().into_owned());
                    let Some(file) = relative.ok().and_then(|r| FILES.iter().position(|f| *f == r)) else {
                        return Err(TestCaseError::fail(format!(
                            "a problem about no knowledge file: {problem}"
                        )));
                    };
                    prop_assert!(problem.line >= 1, "no line: {}", problem);
                    prop_assert!(
                        problem.line <= lines_in(&contents[file]),
                        "past the end of the file ({} lines): {}",
                        lines_in(&contents[file]),
                        problem
                    );
                }
            }
        }
    }
}
