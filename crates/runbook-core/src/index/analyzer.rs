//! Text analysis: how runbook text and queries are cut into searchable terms.
//!
//! Operations text is full of identifiers that callers quote whole or in part: host names, IPs,
//! URLs, error codes, snake_case and CamelCase names. [`IdentTokenizer`] emits such a compound
//! whole, its dotted sub-names (`prod.example.com`) and its parts (`billing01`), so each finds it.
//! An IP is kept whole only: a lone `10` must not match every address.
//!
//! Custom tokenizers are not stored in a tantivy index, so [`register`] must run every time one
//! is opened.

use rustc_hash::FxHashMap;

use tantivy::Index;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

/// Name of the analyzer for prose fields: identifiers, lower case, English stemming.
pub(crate) const TEXT: &str = "runbook_text";
/// Name of the analyzer for identifier fields: identifiers and lower case, no stemming.
pub(crate) const IDENT: &str = "runbook_ident";

/// Longest term kept; longer ones (base64 blobs, minified text) are noise.
const MAX_TERM_BYTES: usize = 100;
/// A dotted name with more labels than this gets no suffix terms (bounds work on odd input).
const MAX_SUFFIX_LABELS: usize = 8;
/// Parts emitted per compound at most.
const MAX_PARTS: usize = 64;

/// Registers this module's analyzers on an index.
pub(crate) fn register(index: &Index) {
    index.tokenizers().register(TEXT, text_analyzer());
    index.tokenizers().register(IDENT, ident_analyzer());
}

fn english() -> frostem::Stemmer {
    frostem::Stemmer::new(frostem::Algorithm::English)
}

/// The analyzer for prose: identifier-aware cuts, lower case, English stemming of words.
pub(crate) fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::from(IdentTokenizer::new(Some(english())))
}

/// The analyzer for identifiers (host names, owners): the same cuts, no stemming.
pub(crate) fn ident_analyzer() -> TextAnalyzer {
    TextAnalyzer::from(IdentTokenizer::new(None))
}

/// Runs an analyzer over `text` and returns its terms in order.
pub(crate) fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// Cuts text into words and identifier compounds (see the module documentation), lower-cases
/// them and, for prose, stems the plain words (never identifiers: `billing01.prod` stays whole).
///
/// Lower-casing, stemming and the length limit happen here rather than in tantivy's filters so
/// each token's text is written once into a buffer reused across documents: indexing spends
/// most of its time in this function.
#[derive(Clone)]
pub(crate) struct IdentTokenizer {
    stemmer: Option<frostem::Stemmer>,
    tokens: Vec<Token>,
    /// Stems of words seen before: runbooks reuse a small vocabulary, and a lookup is several
    /// times cheaper than the Snowball stemmer. A non-keyed hash is safe: a query's analyzer
    /// sees only that query's few words, so requests cannot flood it.
    stems: FxHashMap<String, String>,
}

/// Words whose stems are remembered at most; the cache starts over when full.
const STEM_CACHE_WORDS: usize = 100_000;

impl IdentTokenizer {
    pub(crate) fn new(stemmer: Option<frostem::Stemmer>) -> IdentTokenizer {
        IdentTokenizer {
            stemmer,
            tokens: Vec::new(),
            stems: FxHashMap::default(),
        }
    }
}

/// Writes tokens into a reused buffer.
struct Sink<'a> {
    tokens: &'a mut Vec<Token>,
    len: usize,
    stemmer: Option<frostem::Stemmer>,
    stems: &'a mut FxHashMap<String, String>,
}

impl Sink<'_> {
    fn push(&mut self, text: &str, offset_from: usize, offset_to: usize, position: usize) {
        let word = &text[offset_from..offset_to];
        if word.len() > MAX_TERM_BYTES {
            return;
        }
        if self.len == self.tokens.len() {
            self.tokens.push(Token::default());
        }
        let token = &mut self.tokens[self.len];
        self.len += 1;
        token.offset_from = offset_from;
        token.offset_to = offset_to;
        token.position = position;
        token.position_length = 1;
        token.text.clear();
        push_lowercase(&mut token.text, word);
        if let Some(stemmer) = self
            .stemmer
            .as_ref()
            .filter(|_| token.text.chars().all(char::is_alphabetic))
        {
            if let Some(stem) = self.stems.get(&token.text) {
                token.text.clear();
                token.text.push_str(stem);
            } else {
                let stem = stemmer.stem(&token.text).into_owned();
                if self.stems.len() >= STEM_CACHE_WORDS {
                    self.stems.clear();
                }
                self.stems
                    .insert(std::mem::replace(&mut token.text, stem.clone()), stem);
            }
        }
    }
}

/// The tokens of one text, computed up front into the tokenizer's buffer.
pub(crate) struct VecTokenStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl TokenStream for VecTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for IdentTokenizer {
    type TokenStream<'a> = VecTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream<'a> {
        let len = cut(text, &mut self.tokens, self.stemmer, &mut self.stems);
        VecTokenStream {
            tokens: &mut self.tokens[..len],
            next: 0,
        }
    }
}

/// Appends `word` lower-cased to `out`; most words are ASCII, which needs no char iterator.
pub(crate) fn push_lowercase(out: &mut String, word: &str) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        out[start..].make_ascii_lowercase();
    } else {
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
}

/// Cuts `text` into `tokens` (reusing its buffers); returns how many tokens it holds.
fn cut(
    text: &str,
    tokens: &mut Vec<Token>,
    stemmer: Option<frostem::Stemmer>,
    stems: &mut FxHashMap<String, String>,
) -> usize {
    let mut sink = Sink {
        tokens,
        len: 0,
        stemmer,
        stems,
    };
    let mut position = 0;
    for (start, end) in compounds(text) {
        position = emit_compound(text, start, end, position, &mut sink);
    }
    sink.len
}

fn is_word_char(ch: char) -> bool {
    ch.is_alphanumeric()
}

/// Characters that join word runs into one identifier when they stand between them.
fn is_joiner(ch: char) -> bool {
    matches!(ch, '.' | '-' | '_' | '/' | ':' | '@' | '\\')
}

/// Byte ranges of compounds: word runs joined by short runs of joiner characters.
fn compounds(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if !is_word_char(c) {
            chars.next();
            continue;
        }
        let mut end = start;
        loop {
            // a word run
            while let Some(&(i, c)) = chars.peek() {
                if is_word_char(c) {
                    end = i + c.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            // joiners followed by a word char continue the compound
            let mut lookahead = chars.clone();
            let mut joiners = 0;
            while let Some(&(_, c)) = lookahead.peek() {
                if is_joiner(c) && joiners < 3 {
                    joiners += 1;
                    lookahead.next();
                } else {
                    break;
                }
            }
            match lookahead.peek() {
                Some(&(_, c)) if joiners > 0 && is_word_char(c) => chars = lookahead,
                _ => break,
            }
        }
        out.push((start, end));
    }
    out
}

/// Emits the terms of one compound starting at `position`; returns the next free position.
///
/// Tokens come out ordered by start offset (longest first), and each term's position is that of
/// the first part it covers: tantivy's snippets need offsets in order, and phrases need the parts
/// on consecutive positions.
fn emit_compound(text: &str, start: usize, end: usize, position: usize, out: &mut Sink) -> usize {
    let compound = &text[start..end];
    // Most of any text is plain words: no joiners, no CamelCase humps.
    if !compound.contains(is_joiner) && !has_camel_hump(compound) {
        out.push(text, start, end, position);
        return position + 1;
    }
    // (from, to) ranges within the compound
    let mut spans: Vec<(usize, usize)> = vec![(0, compound.len())];
    let numeric = is_numeric_dotted(compound) || compound.parse::<std::net::Ipv6Addr>().is_ok();
    // Parts, each on its own position: alphanumeric runs, cut again at CamelCase humps.
    let mut parts: Vec<(usize, usize)> = Vec::new();
    if !numeric {
        for (from, to) in atoms(compound).into_iter().take(MAX_PARTS) {
            parts.extend(
                camel_parts(&compound[from..to])
                    .into_iter()
                    .map(|(a, b)| (from + a, from + b)),
            );
        }
    }
    if parts.len() > 1 {
        spans.extend(
            atoms(compound)
                .into_iter()
                .take(MAX_PARTS)
                .filter(|&(from, to)| camel_parts(&compound[from..to]).len() > 1),
        );
        spans.extend(sub_names(compound));
        spans.extend(parts.iter().copied());
    }
    spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    spans.dedup();
    for (from, to) in spans {
        // a span starting inside a part (or at it) sits on that part's position
        let part = parts.iter().rposition(|(p, _)| *p <= from).unwrap_or(0);
        out.push(text, start + from, start + to, position + part);
    }
    position + parts.len().max(1)
}

/// Names inside a compound that callers quote on their own: the pieces between `:`, `/`, `@`
/// (a URL's host, a path's file name, an e-mail's domain) that are themselves compound, and the
/// domain suffixes of dotted names (`prod.example.com`, `example.com`).
fn sub_names(compound: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut segment_start = 0;
    let bounds = compound
        .char_indices()
        .filter(|(_, c)| matches!(c, ':' | '/' | '@' | '\\'))
        .map(|(i, c)| (i, i + c.len_utf8()))
        .chain(std::iter::once((compound.len(), compound.len())));
    for (end, next_start) in bounds {
        let segment = &compound[segment_start..end];
        let is_whole = segment_start == 0 && end == compound.len();
        if !segment.is_empty() && !is_whole && segment.contains(['.', '-', '_']) {
            out.push((segment_start, end));
        }
        if segment.contains('.') && !is_numeric_dotted(segment) {
            let dots: Vec<usize> = segment.match_indices('.').map(|(i, _)| i).collect();
            if dots.len() < MAX_SUFFIX_LABELS {
                for &dot in &dots {
                    if segment[dot + 1..].contains('.') {
                        out.push((segment_start + dot + 1, end));
                    }
                }
                // `lb-bastion.gstg.gitlab.com` → `bastion.gstg.gitlab.com`
                if let Some(dash) = segment.find('-') {
                    let rest = &segment[dash + 1..];
                    if rest.contains('.') && !rest.starts_with('.') && dash < dots[0] {
                        out.push((segment_start + dash + 1, end));
                    }
                }
            }
        }
        segment_start = next_start;
    }
    out
}

/// `a.b.c.d` made of digits only: an IPv4 address or a version number.
fn is_numeric_dotted(text: &str) -> bool {
    text.contains('.') && text.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Alphanumeric runs of a compound, as byte ranges within it.
fn atoms(compound: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in compound.char_indices() {
        match (is_word_char(ch), start) {
            (true, None) => start = Some(i),
            (false, Some(run_start)) => {
                out.push((run_start, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(run_start) = start {
        out.push((run_start, compound.len()));
    }
    out
}

/// Whether a word has CamelCase humps (`PatroniLongRunning`, `HTTPServer`; not `Restart`).
fn has_camel_hump(word: &str) -> bool {
    let mut rest = word.chars();
    rest.next(); // a capital first letter is no hump
    rest.any(char::is_uppercase) && camel_parts(word).len() > 1
}

/// CamelCase humps of a word: `PatroniLongRunning` → `Patroni`, `Long`, `Running`;
/// `HTTPServer` → `HTTP`, `Server`. Digits stay with the letters before them.
fn camel_parts(word: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for k in 1..chars.len() {
        let (offset, ch) = chars[k];
        let prev = chars[k - 1].1;
        let next_is_lower = chars.get(k + 1).is_some_and(|(_, n)| n.is_lowercase());
        let boundary = (ch.is_uppercase() && prev.is_lowercase())
            || (ch.is_uppercase() && prev.is_uppercase() && next_is_lower);
        if boundary {
            out.push((start, offset));
            start = offset;
        }
    }
    out.push((start, word.len()));
    out
}

/// The terms of a phrase with their positions, one term per position (the parts of a compound,
/// not the compound itself, so `"example com"` and `"billing01.prod"` both work).
pub(crate) fn phrase_terms(analyzer: &mut TextAnalyzer, phrase: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(phrase);
    let mut out: Vec<(usize, String)> = Vec::new();
    while let Some(token) = stream.next() {
        match out.last_mut() {
            Some((position, text)) if *position == token.position => *text = token.text.clone(),
            _ => out.push((token.position, token.text.clone())),
        }
    }
    let first = out.first().map_or(0, |(p, _)| *p);
    out.into_iter().map(|(p, t)| (p - first, t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Queries and runbooks are any text a caller pastes: query-language pieces, URLs, IPv6
        // and noise must all come out as terms, never as a panic.
        #[test]
        fn the_analyzers_accept_any_text(
            text in r#"([a-zA-Z0-9:/._\-"'@#*()\[\]{}]|\PC){0,200}"#,
        ) {
            for term in terms(&mut text_analyzer(), &text) {
                prop_assert!(term.len() <= MAX_TERM_BYTES, "{term:?}");
            }
            let _ = terms(&mut ident_analyzer(), &text);
        }
    }

    fn ident(text: &str) -> Vec<String> {
        terms(&mut ident_analyzer(), text)
    }

    #[test]
    fn host_names_are_found_whole_by_suffix_and_by_part() {
        let t = ident("ssh billing01.prod.example.com now");
        for wanted in [
            "billing01.prod.example.com",
            "prod.example.com",
            "example.com",
            "billing01",
            "prod",
            "now",
            "ssh",
        ] {
            assert!(
                t.contains(&wanted.to_string()),
                "{wanted} missing from {t:?}"
            );
        }
    }

    /// Every token of `text` with its offsets and positions, as `analyzer` gives them.
    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Token> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.clone());
        }
        out
    }

    #[test]
    fn a_reused_analyzer_gives_exactly_the_tokens_of_a_fresh_one() {
        // The buffers are reused from text to text: a longer text, then a shorter one, must not
        // leak tokens or stems from the one before.
        let mut reused = text_analyzer();
        let texts: Vec<String> = (0..40)
            .map(|i| {
                let words = "replication lag ".repeat(i % 7);
                format!("Restarting billing{i:02}.prod.example.com: {words}ParseError in step {i}")
            })
            .collect();
        for text in texts.iter().chain(texts.iter().rev()) {
            let expected = tokens(&mut text_analyzer(), text);
            let got = tokens(&mut reused, text);
            assert!(!expected.is_empty());
            assert_eq!(
                got.iter()
                    .map(|t| (&t.text, t.offset_from, t.offset_to, t.position))
                    .collect::<Vec<_>>(),
                expected
                    .iter()
                    .map(|t| (&t.text, t.offset_from, t.offset_to, t.position))
                    .collect::<Vec<_>>(),
                "tokens of {text:?}"
            );
        }
    }

    #[test]
    fn a_text_sharing_a_start_with_the_one_before_is_cut_on_its_own() {
        let mut reused = text_analyzer();
        let first = terms(&mut reused, "restart the databases now");
        let second = terms(&mut reused, "restart the database");
        assert_eq!(first, ["restart", "the", "databas", "now"]);
        assert_eq!(second, ["restart", "the", "databas"]);
    }

    #[test]
    fn ipv4_addresses_are_whole_only() {
        assert_eq!(ident("ip 10.0.4.21."), ["ip", "10.0.4.21"]);
    }

    #[test]
    fn ipv6_addresses_are_whole() {
        assert_eq!(ident("2001:db8::1"), ["2001:db8::1"]);
    }

    #[test]
    fn urls_yield_host_and_path_segments() {
        let t = ident("https://billing.example.com/admin/login");
        for wanted in [
            "https://billing.example.com/admin/login",
            "billing.example.com",
            "admin",
            "login",
            "billing",
        ] {
            assert!(
                t.contains(&wanted.to_string()),
                "{wanted} missing from {t:?}"
            );
        }
    }

    #[test]
    fn error_codes_snake_case_and_camel_case_split() {
        let t = ident("ORA-00942 max_connections PatroniLongRunningTransactions");
        for wanted in [
            "ora-00942",
            "ora",
            "00942",
            "max_connections",
            "max",
            "connections",
            "patronilongrunningtransactions",
            "patroni",
            "running",
        ] {
            assert!(
                t.contains(&wanted.to_string()),
                "{wanted} missing from {t:?}"
            );
        }
    }

    #[test]
    fn emails_and_paths_split() {
        let t = ident("ops@example.com /var/log/nginx/error.log");
        for wanted in [
            "ops@example.com",
            "example.com",
            "ops",
            "var/log/nginx/error.log",
            "var",
            "nginx",
            "error.log",
            "log",
        ] {
            assert!(
                t.contains(&wanted.to_string()),
                "{wanted} missing from {t:?}"
            );
        }
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_a_word() {
        assert_eq!(ident("restart it."), ["restart", "it"]);
    }

    #[test]
    fn prose_is_stemmed() {
        assert_eq!(
            terms(&mut text_analyzer(), "restarting invoices"),
            ["restart", "invoic"]
        );
    }

    #[test]
    fn offsets_and_positions_never_go_backwards() {
        let mut analyzer = ident_analyzer();
        let text = "ssh ops@lb-bastion.gstg.gitlab.com https://a.b.example.com/x/HTTPServer_v2 10.0.4.21:8080 ORA-00942";
        let mut stream = analyzer.token_stream(text);
        let (mut offset, mut position) = (0, 0);
        while let Some(t) = stream.next() {
            assert!(t.offset_from >= offset && t.position >= position, "{t:?}");
            offset = t.offset_from;
            position = t.position;
        }
    }

    #[test]
    fn phrases_keep_consecutive_positions_for_parts() {
        let mut analyzer = ident_analyzer();
        let mut stream = analyzer.token_stream("a x.y b");
        let mut positions = Vec::new();
        while let Some(t) = stream.next() {
            positions.push((t.text.clone(), t.position));
        }
        assert_eq!(
            positions,
            [
                ("a".into(), 0),
                ("x.y".into(), 1),
                ("x".into(), 1),
                ("y".into(), 2),
                ("b".into(), 3)
            ]
        );
    }
}
