//! YAML as text: lines at an indent, comments wrapped for reading, strings quoted.

use std::fmt::Write;

/// A string as a JSON string, which YAML reads as a double-quoted scalar.
pub fn q(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

#[derive(Default)]
pub struct Out {
    pub text: String,
}

impl Out {
    pub fn line(&mut self, indent: usize, text: &str) {
        let _ = writeln!(self.text, "{:indent$}{text}", "");
    }

    /// `#` comment lines, prose wrapped at 100 columns; a command (indented text) is kept whole
    /// so it can be copied; empty text is a bare `#`.
    pub fn comment(&mut self, text: &str) {
        if text.is_empty() || text.starts_with(' ') {
            self.line(0, format!("# {text}").trim_end());
            return;
        }
        let mut line = String::from("#");
        for word in text.split_whitespace() {
            if line.len() + 1 + word.len() > 100 && line.len() > 1 {
                self.line(0, &line);
                line = String::from("#");
            }
            line.push(' ');
            line.push_str(word);
        }
        self.line(0, &line);
    }
}
