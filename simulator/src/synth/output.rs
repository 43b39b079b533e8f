//! Where the generators put their objects and manifest lines: a directory, or memory.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use catalogue::DataType;

use super::manifest::{ManifestLine, ObjectEntry};

/// Where generated objects and manifest lines go.
pub trait Output {
    /// Stores one object at `key`; `body` writes its bytes (possibly
    /// hundreds of MB, in pieces: do not buffer the whole object).
    fn put_object(
        &mut self,
        key: &str,
        body: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()>;

    /// Appends one manifest line.
    fn manifest_line(&mut self, line: &ManifestLine) -> io::Result<()>;
}

/// Writes objects as files `root/<key>` and the manifest to
/// `root/manifest-<service>.jsonl`.
pub struct DirOutput {
    root: PathBuf,
    manifest: BufWriter<File>,
    manifest_path: PathBuf,
}

impl DirOutput {
    pub fn create(root: &Path, service: DataType) -> io::Result<Self> {
        fs::create_dir_all(root)?;
        let manifest_path = root.join(format!("manifest-{}.jsonl", service.slug()));
        let manifest = BufWriter::new(File::create(&manifest_path)?);
        Ok(DirOutput {
            root: root.to_path_buf(),
            manifest,
            manifest_path,
        })
    }

    pub fn manifest_path(&self) -> &Path {
        &self.manifest_path
    }

    /// Flushes the manifest.
    pub fn finish(mut self) -> io::Result<()> {
        self.manifest.flush()
    }
}

impl Output for DirOutput {
    fn put_object(
        &mut self,
        key: &str,
        body: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let path = self.root.join(key);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut w = BufWriter::with_capacity(256 * 1024, File::create(&path)?);
        body(&mut w)?;
        w.flush()
    }

    fn manifest_line(&mut self, line: &ManifestLine) -> io::Result<()> {
        serde_json::to_writer(&mut self.manifest, line)?;
        self.manifest.write_all(b"\n")
    }
}

/// Keeps objects and manifest lines in memory (tests, replay of small runs).
#[derive(Debug, Default)]
pub struct MemOutput {
    pub objects: BTreeMap<String, Vec<u8>>,
    /// Keys in write order.
    pub order: Vec<String>,
    pub manifest: Vec<ManifestLine>,
}

impl Output for MemOutput {
    fn put_object(
        &mut self,
        key: &str,
        body: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut buf = Vec::new();
        body(&mut buf)?;
        self.objects.insert(key.to_string(), buf);
        self.order.push(key.to_string());
        Ok(())
    }

    fn manifest_line(&mut self, line: &ManifestLine) -> io::Result<()> {
        self.manifest.push(line.clone());
        Ok(())
    }
}

impl MemOutput {
    /// The object entries of the manifest.
    pub fn entries(&self) -> impl Iterator<Item = &ObjectEntry> {
        self.manifest.iter().filter_map(|l| match l {
            ManifestLine::Object(o) => Some(o),
            _ => None,
        })
    }
}
