//! Glob patterns as IAM uses them: `*` matches any run of characters (also none), `?` exactly
//! one character; every other character stands for itself. A pattern is kept as tokens so that
//! text substituted for a policy variable (or written as `${*}`, `${?}`) matches literally.

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Char(char),
    /// `*`: any run of characters.
    Many,
    /// `?`: one character.
    One,
}

/// A glob pattern.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Pattern(pub(crate) Vec<Tok>);

impl Pattern {
    /// `*` and `?` in `text` are wildcards.
    pub(crate) fn glob(text: &str) -> Pattern {
        let mut p = Pattern::default();
        p.push_glob(text);
        p
    }

    /// Every character of `text` stands for itself.
    pub(crate) fn literal(text: &str) -> Pattern {
        let mut p = Pattern::default();
        p.push_literal(text);
        p
    }

    pub(crate) fn push_glob(&mut self, text: &str) {
        self.0.extend(text.chars().map(|c| match c {
            '*' => Tok::Many,
            '?' => Tok::One,
            c => Tok::Char(c),
        }));
    }

    pub(crate) fn push_literal(&mut self, text: &str) {
        self.0.extend(text.chars().map(Tok::Char));
    }

    /// True when the pattern is exactly `*`.
    pub(crate) fn is_any(&self) -> bool {
        self.0 == [Tok::Many]
    }

    /// Splits the pattern at its first `limit - 1` literal occurrences of `sep` (like
    /// `str::splitn`): wildcards never span a split point.
    pub(crate) fn splitn(&self, limit: usize, sep: char) -> Vec<Pattern> {
        let mut parts = vec![Pattern::default()];
        for t in &self.0 {
            if *t == Tok::Char(sep) && parts.len() < limit {
                parts.push(Pattern::default());
            } else {
                parts.last_mut().expect("never empty").0.push(t.clone());
            }
        }
        parts
    }

    /// Whether `text` matches, comparing characters exactly or ignoring case.
    pub(crate) fn matches(&self, text: &str, ignore_case: bool) -> bool {
        let text: Vec<char> = text.chars().collect();
        let eq = |a: char, b: char| {
            if ignore_case {
                a == b || a.to_lowercase().eq(b.to_lowercase())
            } else {
                a == b
            }
        };
        // Iterative glob matching with one backtrack point (the last `*`): linear for the
        // patterns IAM allows, never exponential.
        let (pat, mut p, mut t) = (&self.0, 0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match pat.get(p) {
                Some(Tok::Many) => {
                    star = Some((p, t));
                    p += 1;
                }
                Some(Tok::One) => {
                    p += 1;
                    t += 1;
                }
                Some(Tok::Char(c)) if eq(*c, text[t]) => {
                    p += 1;
                    t += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        pat[p..].iter().all(|t| *t == Tok::Many)
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for t in &self.0 {
            match t {
                Tok::Char(c) => write!(f, "{c}")?,
                Tok::Many => f.write_str("*")?,
                Tok::One => f.write_str("?")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Pattern::glob(p).matches(t, false)
    }

    #[test]
    fn star_matches_any_run_including_none() {
        assert!(m("*", ""));
        assert!(m("*", "anything/at:all"));
        assert!(m("a*c", "ac"));
        assert!(m("a*c", "abbbc"));
        assert!(!m("a*c", "abbbd"));
        assert!(m("*Object", "GetObject"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxcyyb"));
    }

    #[test]
    fn question_mark_is_exactly_one_character() {
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(!m("a?c", "abbc"));
    }

    #[test]
    fn case_rules() {
        assert!(!m("GetObject", "getobject"));
        assert!(Pattern::glob("s3:get*").matches("S3:GetObject", true));
    }

    #[test]
    fn literal_wildcard_characters_match_only_themselves() {
        let mut p = Pattern::glob("a");
        p.push_literal("*");
        assert!(p.matches("a*", false));
        assert!(!p.matches("ab", false));
    }

    #[test]
    fn splitn_keeps_the_tail_whole() {
        let parts = Pattern::glob("arn:aws:s3:::b/k:x*").splitn(6, ':');
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[5].to_string(), "b/k:x*");
    }
}
