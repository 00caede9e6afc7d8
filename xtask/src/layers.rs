//! `cargo xtask layers`: holds the crates to their layering. Within a crate, each top-level
//! module has a rank and may name (`crate::…`) only modules of a lower or equal rank; within a
//! module's folder, the files' `super::…` references must form no cycle. Read from the source
//! text (`use` lines and paths), so it needs no compiler plugin; comments are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// One crate's rules: the rank of each top-level module (lower = more basic).
pub struct Rules {
    pub src: PathBuf,
    pub ranks: &'static [(&'static str, u8)],
}

/// The project's crates and their layers, bottom up.
pub fn project_rules(root: &Path) -> Vec<Rules> {
    vec![
        Rules {
            src: root.join("harness/src"),
            ranks: &[
                ("error", 0),
                ("settings", 0),
                ("redact", 0),
                ("segment", 0),
                ("clock", 0),
                ("metrics", 1),
                ("threshold", 2),
                ("analysis", 2),
                ("engine", 3),
                ("executor", 4),
                ("scenario", 5),
                ("run", 6),
                ("report", 7),
                ("export", 7),
                ("console", 8),
            ],
        },
        Rules {
            src: root.join("mock-server/src"),
            ranks: &[("faults", 1), ("domain", 1), ("mock", 2), ("transport", 3)],
        },
        Rules {
            src: root.join("loadtests/src"),
            ranks: &[
                ("model", 0),
                ("analysis_config", 0),
                ("data", 1),
                ("client", 2),
                ("fixture", 3),
                // The config checks that every suite has thresholds; the suites' tests read
                // the config: one layer.
                ("config", 4),
                ("suites", 4),
                ("teardown", 5),
                ("target", 5),
                ("target_tests", 5),
                ("reports", 5),
                ("execute", 6),
                ("merge", 6),
                ("entry", 7),
                ("bin", 8),
            ],
        },
        Rules {
            src: root.join("xtask/src"),
            ranks: &[
                ("paths", 0),
                ("proc", 0),
                ("layers", 0),
                ("resolve", 1),
                ("merge", 1),
                ("baseline", 1),
                ("bench", 1),
                ("k8s", 1),
                ("index", 2),
                ("suites", 3),
                ("runs", 3),
            ],
        },
    ]
}

/// Every violation in one crate, as sentences.
pub fn check(rules: &Rules) -> Result<Vec<String>> {
    let files = rust_files(&rules.src)?;
    // A library's root is lib.rs, a program's main.rs.
    let lib = std::fs::read_to_string(rules.src.join("lib.rs"))
        .or_else(|_| std::fs::read_to_string(rules.src.join("main.rs")))
        .with_context(|| format!("{}: no lib.rs or main.rs", rules.src.display()))?;
    let root_exports = reexports(&lib);
    let rank = |module: &str| rules.ranks.iter().find(|(m, _)| *m == module).map(|r| r.1);
    let mut problems = Vec::new();
    let mut by_dir: BTreeMap<PathBuf, Vec<(String, String)>> = BTreeMap::new();
    for path in &files {
        let rel = path.strip_prefix(&rules.src)?.to_path_buf();
        let module = top_module(&rel);
        let text = code_only(&std::fs::read_to_string(path)?);
        if let Some(own) = rank(&module) {
            for name in names_after(&text, "crate::") {
                let target = root_exports.get(&name).cloned().unwrap_or(name.clone());
                match rank(&target) {
                    Some(r) if r > own => problems.push(format!(
                        "{} ({module}, layer {own}) uses crate::{name} ({target}, layer {r}): \
                         a lower layer must not use a higher one",
                        rel.display()
                    )),
                    _ => {}
                }
            }
        } else if !matches!(module.as_str(), "lib" | "main") {
            problems.push(format!(
                "{}: module {module:?} has no layer in xtask/src/layers.rs",
                rel.display()
            ));
        }
        if rel.components().count() > 1 {
            let dir = path.parent().unwrap_or(path).to_path_buf();
            let stem = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            by_dir.entry(dir).or_default().push((stem, text));
        }
    }
    for (dir, files) in &by_dir {
        problems.extend(cycles_in(dir, files)?);
    }
    Ok(problems)
}

/// The top-level module a file belongs to: `engine/vu.rs` → `engine`, `error.rs` → `error`.
fn top_module(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    first
        .unwrap_or_default()
        .trim_end_matches(".rs")
        .to_string()
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// The text without comments (line comments and doc comments).
fn code_only(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first path segment after each `prefix`: `crate::a::b` → `a`; `crate::{a, b::c}` → a, b.
fn names_after(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for part in split_top(&group[..end]) {
                if let Some(name) = ident(part.trim()) {
                    out.insert(name);
                }
            }
        } else if let Some(name) = ident(rest) {
            out.insert(name);
        }
    }
    out.remove("self");
    out
}

fn ident(s: &str) -> Option<String> {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (end > 0).then(|| s[..end].to_string())
}

/// The index of the `}` closing a group that starts just after a `{`.
fn matching_brace(s: &str) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    s.len()
}

/// Splits a group's body on its top-level commas.
fn split_top(s: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut from) = (Vec::new(), 0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[from..]);
    parts
}

/// `pub use file::{A, B};` lines of a `lib.rs` or `mod.rs`: item → the file (module) defining it.
fn reexports(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in code_only(text).split(';') {
        let line = line.trim();
        let Some(path) = ["pub use ", "pub(crate) use ", "pub(super) use ", "use "]
            .iter()
            .find_map(|p| line.strip_prefix(p))
        else {
            continue;
        };
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in split_top(items) {
            let last = item.trim().rsplit("::").next().unwrap_or("").trim();
            let name = last.rsplit(" as ").next().unwrap_or(last).trim();
            if !name.is_empty() && name != "self" {
                out.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    out
}

/// Cycles among the files of one folder, following their `super::…` references (through the
/// folder's `mod.rs` re-exports). `mod.rs` itself is the folder's root and may use any file.
fn cycles_in(dir: &Path, files: &[(String, String)]) -> Result<Vec<String>> {
    let stems: BTreeSet<&str> = files.iter().map(|(s, _)| s.as_str()).collect();
    let exports = files
        .iter()
        .find(|(s, _)| s == "mod")
        .map(|(_, t)| reexports(t))
        .unwrap_or_default();
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (stem, text) in files.iter().filter(|(s, _)| s != "mod") {
        let deps = edges.entry(stem).or_default();
        for name in names_after(text, "super::") {
            let target = if stems.contains(name.as_str()) {
                Some(name.clone())
            } else {
                exports.get(&name).cloned()
            };
            if let Some(t) = target.filter(|t| t != stem && stems.contains(t.as_str())) {
                deps.insert(t);
            }
        }
    }
    // Each cycle once, however many of its files a search starts from.
    let mut cycles = BTreeSet::new();
    for start in edges.keys() {
        let mut done = BTreeSet::new();
        if let Some(mut cycle) = dfs(start, &edges, &mut Vec::new(), &mut done) {
            cycle.pop();
            let first = (0..cycle.len()).min_by_key(|&i| &cycle[i]).unwrap_or(0);
            cycle.rotate_left(first);
            cycles.insert(cycle);
        }
    }
    Ok(cycles
        .into_iter()
        .map(|mut c| {
            c.push(c[0].clone());
            format!(
                "{}: files use each other in a cycle: {}",
                dir.display(),
                c.join(" → ")
            )
        })
        .collect())
}

fn dfs<'a>(
    node: &'a str,
    edges: &'a BTreeMap<&'a str, BTreeSet<String>>,
    path: &mut Vec<&'a str>,
    done: &mut BTreeSet<&'a str>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|n| *n == node) {
        let mut cycle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
        cycle.push(node.to_string());
        return Some(cycle);
    }
    if done.contains(node) {
        return None;
    }
    path.push(node);
    for next in edges.get(node).into_iter().flatten() {
        let key = edges.get_key_value(next.as_str()).map(|(k, _)| *k);
        if let Some(found) = key.and_then(|k| dfs(k, edges, path, done)) {
            return Some(found);
        }
    }
    path.pop();
    done.insert(node);
    None
}

/// `cargo xtask layers`: prints every violation; fails when there is one.
pub fn run(root: &Path) -> Result<()> {
    let mut all = Vec::new();
    for rules in project_rules(root) {
        all.extend(check(&rules)?);
    }
    if all.is_empty() {
        println!("layers: every crate holds to its layers, no file cycles");
        return Ok(());
    }
    for p in &all {
        eprintln!("{p}");
    }
    bail!("{} layering problems", all.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn all_four_crates_hold_to_their_layers_with_no_file_cycles() {
        let rules = project_rules(&root());
        assert_eq!(rules.len(), 4, "harness, mock-server, loadtests, xtask");
        for rules in rules {
            let problems = check(&rules).unwrap();
            assert!(problems.is_empty(), "{}", problems.join("\n"));
        }
    }

    fn copy_tree(from: &Path, to: &Path) {
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let dest = to.join(path.file_name().unwrap());
            if path.is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
                copy_tree(&path, &dest);
            } else {
                std::fs::copy(&path, &dest).unwrap();
            }
        }
    }

    #[test]
    fn an_upward_import_planted_in_each_crates_lowest_layer_is_caught() {
        for rules in project_rules(&root()) {
            // A copy of the crate's sources, its lowest layer's first file made to use the
            // highest layer.
            let crate_name = rules.src.parent().unwrap().file_name().unwrap().to_owned();
            let dir = std::env::temp_dir().join(format!(
                "layers-plant-{}-{}",
                crate_name.to_string_lossy(),
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            copy_tree(&rules.src, &dir);
            let (low, low_rank) = *rules.ranks.iter().min_by_key(|r| r.1).unwrap();
            let (high, high_rank) = *rules.ranks.iter().max_by_key(|r| r.1).unwrap();
            let file = [dir.join(format!("{low}.rs")), dir.join(low).join("mod.rs")]
                .into_iter()
                .find(|p| p.is_file())
                .unwrap_or_else(|| panic!("{low} has no file"));
            let mut text = std::fs::read_to_string(&file).unwrap();
            text.push_str(&format!("\nuse crate::{high}::Planted;\n"));
            std::fs::write(&file, text).unwrap();
            let planted = Rules {
                src: dir.clone(),
                ranks: rules.ranks,
            };
            let problems = check(&planted).unwrap();
            let _ = std::fs::remove_dir_all(&dir);
            assert_eq!(problems.len(), 1, "{crate_name:?}: {problems:#?}");
            assert!(
                problems[0].contains(&format!(
                    "({low}, layer {low_rank}) uses crate::{high} ({high}, layer {high_rank})"
                )),
                "{crate_name:?}: {problems:#?}"
            );
        }
    }

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    #[test]
    fn a_lower_layer_using_a_higher_one_and_a_file_cycle_are_both_caught() {
        let dir = std::env::temp_dir().join(format!("layers-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write(
            &dir,
            &[
                (
                    "lib.rs",
                    "pub mod low;\npub mod high;\npub use high::Top;\n",
                ),
                (
                    "low/mod.rs",
                    "mod a;\nmod b;\npub use a::A;\npub use b::B;\n",
                ),
                (
                    "low/a.rs",
                    "use super::B;\n// crate::high in a comment is fine\n",
                ),
                ("low/b.rs", "use super::a::A;\nuse crate::{Top, low};\n"),
                ("high.rs", "use crate::low::A;\npub struct Top;\n"),
            ],
        );
        let rules = Rules {
            src: dir.clone(),
            ranks: &[("low", 1), ("high", 2)],
        };
        let problems = check(&rules).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].contains("uses crate::Top (high, layer 2)"),
            "{problems:#?}"
        );
        assert!(problems[1].contains("a → b → a"), "{problems:#?}");
    }
}
