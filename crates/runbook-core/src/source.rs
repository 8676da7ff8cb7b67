//! The runbook folder on disk: which Markdown files there are, and reading one safely.
//!
//! This is the only module that reads runbooks from disk. It never writes to them. Anything odd
//! about a file (too big, empty, not UTF-8, unreadable) becomes a [`FileProblem`] for that file
//! alone; the rest of the folder is unaffected.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::config::Book;
use crate::error::FileProblem;
use crate::runbook::Runbook;

/// A Markdown file found in the runbook folder, with what `stat` says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the root, `/`-separated: what people see.
    pub path: String,
    /// Path relative to the runbook folder: where the default app id comes from.
    pub id_path: String,
    /// The file's absolute path.
    pub abs: PathBuf,
    /// Modification time in nanoseconds since the epoch (0 if unknown).
    pub mtime_ns: u64,
    /// Size in bytes.
    pub size: u64,
}

/// What the runbook folder holds.
#[derive(Debug, Default)]
pub struct Listing {
    /// The runbook files found.
    pub files: Vec<SourceFile>,
    /// Entries that could not be listed (unreadable folders, symlink loops).
    pub problems: Vec<FileProblem>,
    /// The runbook folder itself could not be read (it vanished): the listing says nothing
    /// about which runbooks exist.
    pub folder_unreadable: bool,
    /// A listing thread failed part-way: files may be missing that are still on disk, so the
    /// listing must not be taken as "those runbooks were deleted".
    pub incomplete: bool,
}

/// A file's contents, checked to be usable text.
#[derive(Debug)]
pub struct FileText {
    /// The file's text.
    pub text: String,
    /// xxh3 of the bytes: a file whose hash is unchanged need not be re-indexed.
    pub hash: u64,
}

/// A listing of the runbook folder under way on its own thread.
///
/// `search` starts one before it even opens the index: listing ten thousand files costs about as
/// much as everything else a search does, so the two overlap.
pub struct BackgroundListing {
    book: Book,
    handle: std::thread::JoinHandle<Listing>,
}

impl BackgroundListing {
    /// Starts listing `book`'s runbook folder on another thread.
    pub fn start(book: &Book) -> BackgroundListing {
        let book = book.clone();
        let handle = std::thread::spawn({
            let book = book.clone();
            move || list(&book)
        });
        BackgroundListing { book, handle }
    }

    /// The listing, once complete.
    pub fn finish(self) -> Listing {
        // Listing does not panic; should it ever, list again here rather than fail the search.
        self.handle.join().unwrap_or_else(|_| list(&self.book))
    }
}

/// Whether a path names a runbook: a Markdown file that is not mdBook's table of contents.
pub fn is_runbook_path(path: &Path) -> bool {
    let is_markdown = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
    let is_summary = path.file_name().is_some_and(|n| n == "SUMMARY.md");
    is_markdown && !is_summary
}

/// Lists the Markdown files under the runbook folder, sorted by path. Hidden folders (`.git`,
/// `.runbook`) are skipped; symbolic links are followed, loops reported.
///
/// `search` runs this before every answer to see what changed, so it is written for speed: file
/// types come from the folder listings themselves, every file is `stat`ed relative to its open
/// folder, and the folders are shared out among all cores, each reading its folders and
/// `stat`ing their files.
pub fn list(book: &Book) -> Listing {
    let prefix = match book.display_path(&book.src) {
        shown if shown.is_empty() => String::new(),
        shown => format!("{shown}/"),
    };
    let folder = Folder::of(book);
    let threads = crate::parallel::cores(8);
    let mut top = Walk::new(&folder);
    let jobs = std::sync::Mutex::new(share_out(&mut top, book, threads));
    let mut files = Vec::new();
    let mut problems = std::mem::take(&mut top.problems);
    let mut incomplete = false;
    let shares = crate::parallel::workers(threads, |_worker| {
        let mut walk = Walk::new(&folder);
        let files = do_jobs(&mut walk, &jobs, &prefix);
        #[cfg(test)]
        if _worker > 0 {
            tests::fail_if_asked(&book.src);
        }
        (files, walk.problems)
    });
    for share in shares {
        match share {
            Ok((more_files, more_problems)) => {
                files.extend(more_files);
                problems.extend(more_problems);
            }
            // Listing does not panic; should a thread ever, its share of the folder is unknown,
            // and the caller must not mistake it for deleted runbooks.
            Err(_) => incomplete = true,
        }
    }
    // Paths are unique, so an unstable sort gives the same order, without a scratch copy.
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    for problem in &mut problems {
        problem.path.insert_str(0, &prefix);
    }
    Listing {
        files,
        problems,
        folder_unreadable: top.folder_unreadable,
        incomplete,
    }
}

/// The listing's work, shared out: `top` reads the top of the tree, breadth first, until there
/// are enough folders to keep `threads` cores busy; those folders, and the files found so far
/// in chunks, are the jobs.
fn share_out(top: &mut Walk, book: &Book, threads: usize) -> Vec<Job> {
    let mut pending: std::collections::VecDeque<Dir> = top
        .read(Dir {
            abs: book.src.clone(),
            rel: String::new(),
            depth: 0,
            ancestors: Vec::new(),
        })
        .into();
    // Break the tree up, breadth first, into enough folders to keep every core busy.
    while threads > 1 && pending.len() < threads * 4 {
        let Some(dir) = pending.pop_front() else {
            break;
        };
        pending.extend(top.read(dir));
    }
    // The files at the top of the tree are shared out too, in chunks: a flat folder of ten
    // thousand runbooks has no sub-folders to share.
    let mut jobs: Vec<Job> = pending.into_iter().map(Job::Read).collect();
    let mut top_found = std::mem::take(&mut top.found);
    while !top_found.is_empty() {
        let rest = top_found.split_off(top_found.len().min(STAT_CHUNK));
        jobs.push(Job::Stat(std::mem::replace(&mut top_found, rest)));
    }
    jobs
}

/// One thread's share: takes jobs until none are left, and `stat`s the files it found.
fn do_jobs(walk: &mut Walk, jobs: &std::sync::Mutex<Vec<Job>>, prefix: &str) -> Vec<SourceFile> {
    let mut files = Vec::new();
    while let Some(job) = jobs.lock().ok().and_then(|mut jobs| jobs.pop()) {
        match job {
            Job::Read(dir) => walk.walk(dir),
            Job::Stat(found) => files.extend(stat_each(found, prefix)),
        }
    }
    files.extend(stat_each(std::mem::take(&mut walk.found), prefix));
    files
}

/// Folders nested deeper than this are not read (a guard where loops cannot be detected).
const MAX_DEPTH: usize = 64;

/// A Markdown file found by the walk, not yet `stat`ed.
struct Found {
    rel: String,
    entry: Option<std::fs::DirEntry>,
    /// Already known for a symbolic link (it had to be followed to learn it is a file).
    metadata: Option<std::fs::Metadata>,
}

/// Files `stat`ed per job when the top of the tree holds many.
const STAT_CHUNK: usize = 256;

/// A share of the listing's work.
enum Job {
    /// A folder to read, with everything under it.
    Read(Dir),
    /// Files found at the top of the tree, to `stat`.
    Stat(Vec<Found>),
}

/// A folder still to be read.
struct Dir {
    abs: PathBuf,
    /// Path relative to the runbook folder (empty for the folder itself).
    rel: String,
    depth: usize,
    /// (device, inode) of the folders above it, to detect symbolic link loops.
    ancestors: Vec<(u64, u64)>,
}

impl Dir {
    /// A folder inside this one.
    fn sub(&self, abs: PathBuf, rel: String) -> Dir {
        Dir {
            abs,
            rel,
            depth: self.depth + 1,
            ancestors: self.ancestors.clone(),
        }
    }
}

/// The path of `name` in the folder at `rel` (relative to the runbook folder).
fn child_path(rel: &str, name: &str) -> String {
    // Built by hand: `format!` was a tenth of a whole `runbook search`'s user time.
    let mut child_rel = String::with_capacity(rel.len() + 1 + name.len());
    if !rel.is_empty() {
        child_rel.push_str(rel);
        child_rel.push('/');
    }
    child_rel.push_str(name);
    child_rel
}

/// One thread's part of the walk of the runbook folder.
struct Walk<'a> {
    /// Where symbolic links may lead.
    folder: &'a Folder,
    found: Vec<Found>,
    /// Problems, with paths relative to the runbook folder.
    problems: Vec<FileProblem>,
    /// The runbook folder itself could not be read.
    folder_unreadable: bool,
}

impl<'a> Walk<'a> {
    fn new(folder: &'a Folder) -> Walk<'a> {
        Walk {
            folder,
            found: Vec::new(),
            problems: Vec::new(),
            folder_unreadable: false,
        }
    }

    /// Reads `dir` and everything under it, depth first.
    fn walk(&mut self, dir: Dir) {
        for sub in self.read(dir) {
            self.walk(sub);
        }
    }

    /// Reads one folder: its runbooks are found, its sub-folders returned to be read.
    fn read(&mut self, dir: Dir) -> Vec<Dir> {
        let Some((entries, dir)) = self.open(dir) else {
            return Vec::new();
        };
        let mut subs = Vec::new();
        for entry in entries.flatten() {
            self.add_entry(entry, &dir, &mut subs);
        }
        subs
    }

    /// Opens a folder unless it is nested too deep, a symbolic link loop or unreadable; it
    /// comes back with itself among its ancestors.
    fn open(&mut self, mut dir: Dir) -> Option<(std::fs::ReadDir, Dir)> {
        if dir.depth > MAX_DEPTH {
            self.problem(
                &dir.rel,
                format!("nested more than {MAX_DEPTH} folders deep; skipped"),
            );
            return None;
        }
        let id = std::fs::metadata(&dir.abs)
            .ok()
            .and_then(|metadata| file_id(&metadata));
        if id.is_some_and(|id| dir.ancestors.contains(&id)) {
            self.problem(&dir.rel, "symbolic link loop; skipped".into());
            return None;
        }
        let entries = match std::fs::read_dir(&dir.abs) {
            Ok(entries) => entries,
            Err(error) => {
                self.folder_unreadable |= dir.depth == 0;
                self.problem(&dir.rel, format!("cannot be read: {error}"));
                return None;
            }
        };
        dir.ancestors.extend(id);
        Some((entries, dir))
    }

    /// One entry of folder `parent`: a runbook is found, a sub-folder added to `subs`. Hidden
    /// entries are skipped.
    fn add_entry(&mut self, entry: std::fs::DirEntry, parent: &Dir, subs: &mut Vec<Dir>) {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            let shown = format!("{}/{}", parent.rel, name.to_string_lossy());
            self.problem(&shown, "file name is not valid UTF-8; skipped".into());
            return;
        };
        if name.starts_with('.') {
            return;
        }
        let child_rel = child_path(&parent.rel, name);
        let Ok(file_type) = entry.file_type() else {
            return;
        };
        if file_type.is_symlink() {
            self.add_link(entry, name, child_rel, parent, subs);
        } else if file_type.is_dir() {
            subs.push(parent.sub(entry.path(), child_rel));
        } else if file_type.is_file() && is_runbook_path(Path::new(name)) {
            self.found.push(Found {
                rel: child_rel,
                entry: Some(entry),
                metadata: None,
            });
        }
    }

    /// A symbolic link in folder `parent`, followed like what it leads to.
    fn add_link(
        &mut self,
        entry: std::fs::DirEntry,
        name: &str,
        child_rel: String,
        parent: &Dir,
        subs: &mut Vec<Dir>,
    ) {
        // Links are followed within the runbook folder only: a committed link to
        // `/etc/shadow` or `~/.ssh/id_rsa` must not become a page.
        if !self.folder.holds(&entry.path()) {
            if is_runbook_path(Path::new(name)) {
                self.problem(
                    &child_rel,
                    "symbolic link leading outside the runbook folder; left out".into(),
                );
            }
            return;
        }
        match std::fs::metadata(entry.path()) {
            Ok(target) if target.is_dir() => subs.push(parent.sub(entry.path(), child_rel)),
            Ok(target) if target.is_file() && is_runbook_path(Path::new(name)) => {
                self.found.push(Found {
                    rel: child_rel,
                    entry: Some(entry),
                    metadata: Some(target),
                })
            }
            Ok(_) => {}
            Err(_) => self.problem(&child_rel, "symbolic link to nothing; skipped".into()),
        }
    }

    fn problem(&mut self, rel: &str, message: String) {
        self.problems.push(FileProblem {
            path: rel.to_string(),
            line: None,
            column: None,
            message,
        });
    }
}

/// `stat`s the files found, on this thread.
fn stat_each(found: Vec<Found>, prefix: &str) -> Vec<SourceFile> {
    found.into_iter().map(|f| stat_found(f, prefix)).collect()
}

/// Describes a file the walk found, `stat`ing it unless its metadata is known already.
fn stat_found(mut found: Found, prefix: &str) -> SourceFile {
    let entry = found.entry.take();
    let metadata = found
        .metadata
        .take()
        .or_else(|| entry.as_ref().and_then(|e| e.metadata().ok()));
    let mut path = String::with_capacity(prefix.len() + found.rel.len());
    path.push_str(prefix);
    path.push_str(&found.rel);
    SourceFile {
        path,
        abs: entry.map(|e| e.path()).unwrap_or_default(),
        id_path: found.rel,
        mtime_ns: metadata.as_ref().map_or(0, mtime_ns),
        size: metadata.map_or(0, |m| m.len()),
    }
}

#[cfg(unix)]
fn file_id(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn file_id(_metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    // No inode numbers: loops are bounded by MAX_DEPTH instead.
    None
}

/// Describes one path as a [`SourceFile`], if it is a runbook that exists now.
pub fn stat(book: &Book, abs: &Path) -> Option<SourceFile> {
    let metadata = std::fs::metadata(abs).ok()?;
    if !metadata.is_file() || !is_runbook_path(abs) || !Folder::of(book).holds(abs) {
        return None;
    }
    Some(SourceFile {
        path: book.display_path(abs),
        id_path: relative(abs, &book.src),
        abs: abs.to_path_buf(),
        mtime_ns: mtime_ns(&metadata),
        size: metadata.len(),
    })
}

/// The runbook folder as the file system resolves it, for checking where symbolic links lead.
///
/// Links are followed (runbooks may be shared between folders), but only within the runbook
/// folder: a committed link to `/etc/shadow` or `~/.ssh/id_rsa` must not become a page.
struct Folder(Option<PathBuf>);

impl Folder {
    fn of(book: &Book) -> Folder {
        Folder(book.src.canonicalize().ok())
    }

    fn holds(&self, path: &Path) -> bool {
        match (&self.0, path.canonicalize()) {
            (Some(folder), Ok(resolved)) => resolved.starts_with(folder),
            // Cannot tell (the file just vanished, or the folder did): reading will say why.
            _ => true,
        }
    }
}

/// Reads a file as runbook text, enforcing the size limit and UTF-8.
pub fn read(file: &SourceFile, max_bytes: u64) -> Result<FileText, FileProblem> {
    let problem = |line: Option<u64>, message: String| FileProblem {
        path: file.path.clone(),
        line,
        column: None,
        message,
    };
    let too_big = |size: String| {
        problem(
            None,
            format!(
                "file is {size} bytes, over the limit of {max_bytes} (max-file-bytes in [preprocessor.runbook] of book.toml); left out"
            ),
        )
    };
    if file.size > max_bytes {
        return Err(too_big(file.size.to_string()));
    }
    // Read at most one byte past the limit: a file that grew since it was listed (or a special
    // file that claims to be empty) cannot make this read unbounded.
    let mut bytes = Vec::new();
    std::fs::File::open(&file.abs)
        .and_then(|f| f.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(|e| problem(None, format!("cannot be read: {e}")))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_big(format!("more than {max_bytes}")));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(problem(None, "file is empty".into()));
    }
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
    let text = String::from_utf8(bytes).map_err(|error| {
        let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        problem(Some(line), "is not valid UTF-8 text".into())
    })?;
    if let Some(offset) = text.find('\0') {
        let line = text[..offset].matches('\n').count() as u64 + 1;
        return Err(problem(
            Some(line),
            "contains a NUL byte: not a text file".into(),
        ));
    }
    Ok(FileText { text, hash })
}

/// Whether a listed file is gone from disk (deleted or renamed since the listing).
pub fn vanished(file: &SourceFile) -> bool {
    matches!(
        std::fs::symlink_metadata(&file.abs),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound
    )
}

/// Reads and parses one runbook.
pub fn load(file: &SourceFile, max_bytes: u64) -> Result<(Runbook, u64), FileProblem> {
    let FileText { text, hash } = read(file, max_bytes)?;
    let runbook = Runbook::parse(&file.path, &file.id_path, &text)?;
    Ok((runbook, hash))
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn mtime_ns(metadata: &std::fs::Metadata) -> u64 {
    metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runbook folders whose listing helpers panic, to test what a failed listing does.
    static FAILING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

    pub(super) fn fail_if_asked(src: &Path) {
        let failing = FAILING.lock().unwrap_or_else(|p| p.into_inner());
        if failing.iter().any(|f| f == src) {
            drop(failing);
            panic!("a listing helper fails, as asked by the test");
        }
    }

    #[test]
    fn a_listing_whose_helper_thread_panics_says_it_is_incomplete() {
        let files: Vec<(String, &[u8])> = (0..40)
            .map(|i| (format!("f{}/a{i}.md", i % 8), b"# A".as_slice()))
            .collect();
        let files: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
        let (_dir, book) = book_with(&files);
        let whole = list(&book);
        assert!(!whole.incomplete);
        assert_eq!(whole.files.len(), 40);
        if crate::parallel::cores(2) < 2 {
            eprintln!("skipped: one core, so the listing has no helper thread to fail");
            return;
        }
        FAILING.lock().unwrap().push(book.src.clone());
        let broken = list(&book);
        FAILING.lock().unwrap().clear();
        // Whatever share the helper had taken is gone; the listing must say so.
        assert!(broken.incomplete);
    }

    fn book_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, Book) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\nsrc = \"runbooks\"\n[preprocessor.runbook]\nmax-file-bytes = 100\n",
        )
        .unwrap();
        for (path, content) in files {
            let path = dir.path().join("runbooks").join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("runbooks")).unwrap();
        let book = Book::load(dir.path()).unwrap();
        (dir, book)
    }

    #[test]
    fn lists_markdown_but_not_summary_hidden_folders_or_other_files() {
        let (_dir, book) = book_with(&[
            ("a.md", b"# A"),
            ("sub/b.md", b"# B"),
            ("SUMMARY.md", b"# Summary"),
            (".hidden/c.md", b"# C"),
            ("notes.txt", b"x"),
        ]);
        let paths: Vec<_> = list(&book).files.into_iter().map(|f| f.path).collect();
        assert_eq!(paths, ["runbooks/a.md", "runbooks/sub/b.md"]);
    }

    #[test]
    fn a_folder_named_like_markdown_is_not_a_runbook() {
        let (dir, book) = book_with(&[("a.md", b"# A")]);
        std::fs::create_dir(dir.path().join("runbooks/x.md")).unwrap();
        assert_eq!(list(&book).files.len(), 1);
    }

    #[test]
    fn oversized_empty_binary_and_non_utf8_files_are_problems_with_their_path() {
        let (_dir, book) = book_with(&[
            ("big.md", &[b'a'; 200]),
            ("empty.md", b"  \n"),
            ("nul.md", b"# T\nline\0two"),
            ("latin1.md", b"# T\n\ncaf\xe9\n"),
        ]);
        let listing = list(&book);
        let messages: Vec<String> = listing
            .files
            .iter()
            .map(|f| {
                read(f, book.settings.max_file_bytes)
                    .unwrap_err()
                    .to_string()
            })
            .collect();
        assert!(messages[0].starts_with("runbooks/big.md: file is 200 bytes, over the limit"));
        assert_eq!(messages[1], "runbooks/empty.md: file is empty");
        assert_eq!(messages[2], "runbooks/latin1.md:3: is not valid UTF-8 text");
        assert_eq!(
            messages[3],
            "runbooks/nul.md:2: contains a NUL byte: not a text file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_wide_deep_tree_shared_out_among_threads_lists_every_file_once_in_order() {
        // Enough folders that the walk is split among threads, loops and hidden folders among
        // them: the result must not depend on which thread read what.
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for i in 0..30 {
            for depth in 0..3 {
                let folder = (0..=depth).map(|d| format!("f{i}-{d}")).collect::<Vec<_>>();
                files.push((format!("{}/r{depth}.md", folder.join("/")), b"# R".to_vec()));
            }
            files.push((format!(".hidden{i}/x.md"), b"# X".to_vec()));
        }
        files.push(("top.md".into(), b"# T".to_vec()));
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_slice()))
            .collect();
        let (dir, book) = book_with(&refs);
        std::os::unix::fs::symlink(
            dir.path().join("runbooks/f7-0"),
            dir.path().join("runbooks/f7-0/f7-1/back"),
        )
        .unwrap();

        let listing = list(&book);
        let paths: Vec<String> = listing.files.iter().map(|f| f.path.clone()).collect();
        let mut expected: Vec<String> = files
            .iter()
            .filter(|(p, _)| !p.starts_with('.'))
            .map(|(p, _)| format!("runbooks/{p}"))
            .collect();
        expected.sort();
        assert_eq!(paths, expected);
        assert!(listing.files.iter().all(|f| f.size == 3 && f.mtime_ns > 0));
        let problems: Vec<(&str, &str)> = listing
            .problems
            .iter()
            .map(|p| (p.path.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            problems,
            [("runbooks/f7-0/f7-1/back", "symbolic link loop; skipped")]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_loop_is_reported_and_the_rest_listed() {
        let (dir, book) = book_with(&[("a.md", b"# A")]);
        std::os::unix::fs::symlink(
            dir.path().join("runbooks"),
            dir.path().join("runbooks/loop"),
        )
        .unwrap();
        let listing = list(&book);
        assert_eq!(listing.files.len(), 1);
        assert!(listing.problems[0].message.contains("loop"));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_leading_outside_the_runbook_folder_is_left_out() {
        let (dir, book) = book_with(&[("a.md", b"# A"), ("sub/b.md", b"# B")]);
        std::fs::write(dir.path().join("secret.txt"), "password").unwrap();
        let link = |target: &str, name: &str| {
            std::os::unix::fs::symlink(target, dir.path().join("runbooks").join(name)).unwrap()
        };
        link("../secret.txt", "secret.md");
        link("/etc", "etc.md.d");
        link("sub/b.md", "b-again.md");
        let listing = list(&book);
        let paths: Vec<_> = listing.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["runbooks/a.md", "runbooks/b-again.md", "runbooks/sub/b.md"]
        );
        assert_eq!(listing.problems.len(), 1, "{:?}", listing.problems);
        assert_eq!(
            listing.problems[0].to_string(),
            "runbooks/secret.md: symbolic link leading outside the runbook folder; left out"
        );
        assert!(stat(&book, &dir.path().join("runbooks/secret.md")).is_none());
    }

    #[test]
    fn a_file_that_grew_past_the_limit_since_listing_is_not_read_whole() {
        let (dir, book) = book_with(&[("a.md", b"# A")]);
        let file = list(&book).files.remove(0);
        std::fs::write(dir.path().join("runbooks/a.md"), [b'a'; 1000]).unwrap();
        let problem = read(&file, book.settings.max_file_bytes).unwrap_err();
        assert!(problem.message.contains("more than 100 bytes"), "{problem}");
    }
}
