//! The README and the pages under `docs/` as a newcomer reads them: the layout table
//! (`docs/layout.md`) names every source file and nothing that is gone, every setting
//! `--help` lists has its row in the README, every link leads somewhere, and the README
//! stays short enough to read (the long stories live in `docs/`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use getimages::configuration::Settings;
use getimages::providers::ALL;

/// The longest the README may grow, in lines.
const README_MAX_LINES: usize = 350;

/// The layout table's row for the platform files, one per provider id.
const PLATFORM_FILES: &str = "src/providers/<id>.rs";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every markdown page a reader is sent to: the README and `docs/*.md`.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// The lines of `markdown` outside fenced code blocks.
fn prose(markdown: &str) -> impl Iterator<Item = &str> {
    let mut fenced = false;
    markdown.lines().filter(move |line| {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            return false;
        }
        !fenced
    })
}

/// The cells of a table row, trimmed; `None` for a line that is no row (or a separator).
fn cells(line: &str) -> Option<Vec<&str>> {
    let inner = line.strip_prefix('|')?.strip_suffix('|')?;
    let cells: Vec<&str> = inner.split(" | ").map(str::trim).collect();
    (!cells[0].starts_with("---")).then_some(cells)
}

/// What the code spans of `cell` hold, in order.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// Every `.rs` file under `dir`, relative to the repository root, with `/` separators.
fn rust_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let relative = path.strip_prefix(root()).unwrap();
            found.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    found
}

#[test]
fn the_layout_table_names_every_source_file_and_only_files_that_exist() {
    let layout = read("docs/layout.md");
    let named: BTreeSet<&str> = prose(&layout)
        .filter_map(cells)
        .flat_map(|row| code_spans(row[0]))
        .collect();
    let ids: BTreeSet<&str> = ALL.iter().map(|p| p.id).collect();

    let mut wrong = Vec::new();
    for path in &named {
        if *path != PLATFORM_FILES && !root().join(path).exists() {
            wrong.push(format!(
                "docs/layout.md names `{path}`, which does not exist"
            ));
        }
    }
    let mut files = rust_files(&root().join("src"));
    files.sort();
    for file in files {
        let platform = file
            .strip_prefix("src/providers/")
            .and_then(|name| name.strip_suffix(".rs"))
            .is_some_and(|id| ids.contains(id));
        let covered = named.contains(file.as_str()) || (platform && named.contains(PLATFORM_FILES));
        if !covered {
            wrong.push(format!("{file} has no row in docs/layout.md"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_setting_has_its_row_in_the_readme_and_every_row_is_a_setting() {
    let readme = read("README.md");
    // `--flag [VALUE]` → (flag, the row's environment variable cell).
    let rows: Vec<(String, String)> = prose(&readme)
        .filter_map(cells)
        .filter(|row| row.len() == 4 && row[0].starts_with("`--"))
        .map(|row| {
            let flag = code_spans(row[0])[0].split(' ').next().unwrap().to_string();
            let env = code_spans(row[1])
                .first()
                .copied()
                .unwrap_or("")
                .to_string();
            (flag, env)
        })
        .collect();

    let command = Settings::command();
    let mut wrong = Vec::new();
    let mut flags = BTreeSet::new();
    for arg in command.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        let flag = format!("--{long}");
        if matches!(long, "help" | "version") {
            continue;
        }
        match rows.iter().find(|(f, _)| *f == flag) {
            None => wrong.push(format!("{flag} has no row in the README's settings table")),
            Some((_, env)) => {
                let want = arg.get_env().map(|e| e.to_string_lossy().into_owned());
                if let Some(want) = want.filter(|want| want != env) {
                    wrong.push(format!(
                        "{flag}: the README says `{env}`, --help says `{want}`"
                    ));
                }
            }
        }
        flags.insert(flag);
    }
    for (flag, _) in &rows {
        if !flags.contains(flag) {
            wrong.push(format!(
                "the README's settings table has {flag}, --help does not"
            ));
        }
    }
    for sub in command.get_subcommands() {
        let usage = format!("`getimages {}", sub.get_name());
        let Some(row) = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {usage}")))
        else {
            wrong.push(format!(
                "{usage}` has no row in the README's commands table"
            ));
            continue;
        };
        for long in sub.get_arguments().filter_map(|a| a.get_long()) {
            if long != "help" && !row.contains(&format!("--{long}")) {
                wrong.push(format!("{usage}`: the README's row does not name --{long}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of every heading in `markdown`, numbered as GitHub numbers repeats.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in prose(markdown) {
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        let base = anchor(heading.trim_start_matches('#'));
        let mut name = base.clone();
        let mut n = 0;
        while !found.insert(name.clone()) {
            n += 1;
            name = format!("{base}-{n}");
        }
    }
    found
}

/// The targets of the inline links and images on `line`, code spans left out.
fn link_targets(line: &str) -> Vec<String> {
    let text: String = line.split('`').step_by(2).collect();
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|target| target.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn every_link_in_the_readme_and_docs_leads_somewhere() {
    let mut wrong = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.strip_prefix(root()).unwrap().display().to_string();
        for target in prose(&text).flat_map(link_targets) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = target.split_once('#').unwrap_or((&target, ""));
            let file = if path.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(path)
            };
            if !file.exists() {
                wrong.push(format!("{name}: ({target}) leads to no file"));
                continue;
            }
            if fragment.is_empty() {
                continue;
            }
            let headings = std::fs::read_to_string(&file)
                .map(|t| anchors(&t))
                .unwrap_or_default();
            if !headings.contains(fragment) {
                wrong.push(format!("{name}: ({target}) names no heading there"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_readme_stays_short_and_sends_the_long_stories_to_docs() {
    let lines = read("README.md").lines().count();
    assert!(
        lines < README_MAX_LINES,
        "README.md has {lines} lines; keep it under {README_MAX_LINES} and move the detail \
         to a page under docs/ (linked from it)"
    );
}

#[test]
fn the_anchor_of_a_heading_is_githubs() {
    assert_eq!(
        anchor(" Sharing the cache between Machines (Redis)"),
        "sharing-the-cache-between-machines-redis"
    );
    assert_eq!(anchor(" Deploy to Fly.io"), "deploy-to-flyio");
    assert_eq!(
        anchor(" `getimages check`, the live check"),
        "getimages-check-the-live-check"
    );
    let repeated = anchors("# A\n```\n# not a heading\n```\n## A\n");
    assert_eq!(repeated, BTreeSet::from(["a".into(), "a-1".into()]));
    assert_eq!(
        link_targets("see [x](docs/a.md#b) and `[y](ignored)` ![i](p.png \"t\")"),
        ["docs/a.md#b", "p.png"]
    );
}
