//! Project-local Python venvs built from hash-checked locks.
//!
//! `Venv::ensure("cfn-lint", lock, &[])` makes `<workspace>/target/venvs/cfn-lint`: a venv from
//! the first Python >= 3.12 found, `uv` installed into it by pip from the harness's own
//! hash-checked `locks/uv.lock`, then `uv pip sync --require-hashes <lock>`, then each local
//! package (a folder with a pyproject.toml) with `--no-deps --no-build-isolation` (so its build
//! backend, e.g. setuptools, must be in the lock). A stamp (SHA-256 over the lock, the uv lock,
//! the interpreter and every file of the local packages) makes later calls reuse the venv
//! until one of them changes. A file lock serialises concurrent callers (parallel tests).

use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::python::{find_python, Python};
use crate::{Error, Result};

/// The lock `uv` itself is installed from (pip, `--require-hashes`).
pub const UV_LOCK: &str = include_str!("../locks/uv.lock");

const STAMP: &str = ".sentinel-stamp";

/// What to build: a name (the folder under `target/venvs`), a lock, local packages and the
/// oldest Python the lock supports.
#[derive(Debug, Clone)]
pub struct VenvSpec {
    pub name: String,
    pub lock: PathBuf,
    pub local_packages: Vec<PathBuf>,
    pub min_python: (u32, u32),
}

/// A ready venv.
#[derive(Debug, Clone)]
pub struct Venv {
    dir: PathBuf,
    /// How long this call spent building it; `None` when an up-to-date venv was reused.
    built_in: Option<Duration>,
}

impl Venv {
    /// A venv for `lock` (Python >= 3.12) plus `extra_local_packages`, built or reused.
    pub fn ensure(name: &str, lock: &Path, extra_local_packages: &[PathBuf]) -> Result<Venv> {
        Venv::ensure_with(VenvSpec {
            name: name.into(),
            lock: lock.into(),
            local_packages: extra_local_packages.to_vec(),
            min_python: (3, 12),
        })
    }

    /// Like [`Venv::ensure`], with every option explicit.
    pub fn ensure_with(spec: VenvSpec) -> Result<Venv> {
        Venv::ensure_in(&crate::project_target_dir().join("venvs"), &spec)
    }

    /// Builds or reuses `<root>/<name>`.
    pub fn ensure_in(root: &Path, spec: &VenvSpec) -> Result<Venv> {
        std::fs::create_dir_all(root)
            .map_err(|e| Error::io(format!("creating {}", root.display()), e))?;
        let dir = root.join(&spec.name);
        let _guard = FileLock::acquire(&root.join(format!("{}.lock", spec.name)))?;
        let python = find_python(spec.min_python)?;
        let stamp = stamp_for(spec, &python)?;
        let venv = Venv {
            dir,
            built_in: None,
        };
        if venv.python().is_file() && read_stamp(&venv.dir).as_deref() == Some(stamp.as_str()) {
            return Ok(venv);
        }
        let started = Instant::now();
        venv.build(spec, &python)?;
        std::fs::write(venv.dir.join(STAMP), &stamp)
            .map_err(|e| Error::io(format!("writing the stamp in {}", venv.dir.display()), e))?;
        Ok(Venv {
            built_in: Some(started.elapsed()),
            ..venv
        })
    }

    /// Opens an existing venv folder without checking or building anything.
    pub fn at(dir: impl Into<PathBuf>) -> Venv {
        Venv {
            dir: dir.into(),
            built_in: None,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn python(&self) -> PathBuf {
        self.dir.join("bin/python")
    }

    /// `Some(time spent)` if this call (re)built the venv, `None` if it was reused.
    pub fn built_in(&self) -> Option<Duration> {
        self.built_in
    }

    fn build(&self, spec: &VenvSpec, python: &Python) -> Result<()> {
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).map_err(|e| {
                Error::io(format!("removing the stale venv {}", self.dir.display()), e)
            })?;
        }
        let what = format!("building the venv {}", self.dir.display());
        run(
            Command::new(&python.path)
                .arg("-m")
                .arg("venv")
                .arg(&self.dir),
            &what,
        )?;
        let uv_lock = self.dir.join("uv.lock");
        std::fs::write(&uv_lock, UV_LOCK)
            .map_err(|e| Error::io(format!("writing {}", uv_lock.display()), e))?;
        run(
            Command::new(self.python())
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(["--require-hashes", "-r"])
                .arg(&uv_lock),
            "installing uv (pip, hash-checked)",
        )?;
        run(
            self.uv()
                .args(["pip", "sync", "--require-hashes", "--python"])
                .arg(self.python())
                .arg(&spec.lock),
            &format!("installing {} (uv, hash-checked)", spec.lock.display()),
        )?;
        for (index, package) in spec.local_packages.iter().enumerate() {
            // Built from a copy, so setuptools' build/ and *.egg-info stay out of the source tree.
            let copy = self.dir.join(format!("local-src/{index}"));
            copy_package(package, &copy)?;
            run(
                self.uv()
                    .args([
                        "pip",
                        "install",
                        "--no-deps",
                        "--no-build-isolation",
                        "--python",
                    ])
                    .arg(self.python())
                    .arg(&copy),
                &format!("installing the local package {}", package.display()),
            )?;
        }
        Ok(())
    }

    fn uv(&self) -> Command {
        let mut command = Command::new(self.python());
        command
            .args(["-m", "uv"])
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("UV_NO_PROGRESS", "1")
            .env_remove("VIRTUAL_ENV");
        command
    }
}

fn run(command: &mut Command, purpose: &str) -> Result<()> {
    let output = command
        .output()
        .map_err(|e| Error::io(format!("{purpose}: starting {command:?}"), e))?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Err(Error::Command {
        command: format!("{command:?}"),
        purpose: purpose.into(),
        status: output.status.to_string(),
        output: tail(&text, 40),
    })
}

pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn read_stamp(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(STAMP)).ok()
}

/// SHA-256 over everything that decides the venv's content.
pub fn stamp_for(spec: &VenvSpec, python: &Python) -> Result<String> {
    let mut hash = Sha256::new();
    let lock = std::fs::read(&spec.lock).map_err(|e| {
        Error::io(
            format!("reading the lock {} (does it exist?)", spec.lock.display()),
            e,
        )
    })?;
    hash.update(b"lock\0");
    hash.update(&lock);
    hash.update(b"uv\0");
    hash.update(UV_LOCK.as_bytes());
    hash.update(format!(
        "python\0{}\0{}.{}\0",
        python.path.display(),
        python.version.0,
        python.version.1
    ));
    for package in &spec.local_packages {
        hash.update(b"package\0");
        for file in package_files(package)? {
            let relative = file.strip_prefix(package).unwrap_or(&file);
            hash.update(relative.to_string_lossy().as_bytes());
            hash.update(b"\0");
            let content = std::fs::read(&file)
                .map_err(|e| Error::io(format!("reading {}", file.display()), e))?;
            hash.update(Sha256::digest(&content));
        }
    }
    Ok(format!("{:x}", hash.finalize()))
}

fn copy_package(from: &Path, to: &Path) -> Result<()> {
    for file in package_files(from)? {
        let target = to.join(file.strip_prefix(from).unwrap_or(&file));
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        std::fs::copy(&file, &target)
            .map_err(|e| Error::io(format!("copying {}", file.display()), e))?;
    }
    Ok(())
}

/// A local package's source files, sorted; build output, caches and tests are left out.
fn package_files(dir: &Path) -> Result<Vec<PathBuf>> {
    // Tests are not installed, so changing them does not rebuild the venv.
    const SKIP: &[&str] = &[
        "__pycache__",
        "build",
        "dist",
        ".pytest_cache",
        "tests",
        ".git",
    ];
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current).map_err(|e| {
            Error::io(
                format!("reading the local package {}", current.display()),
                e,
            )
        })?;
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::io(format!("reading {}", current.display()), e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if SKIP.contains(&name.as_str()) || name.ends_with(".egg-info") {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// An exclusive `flock` held until drop.
struct FileLock(File);

impl FileLock {
    fn acquire(path: &Path) -> Result<FileLock> {
        let file =
            File::create(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
        // SAFETY: flock on a file descriptor we own.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(Error::io(
                format!("locking {}", path.display()),
                std::io::Error::last_os_error(),
            ));
        }
        let mut file = file;
        let _ = writeln!(file, "{}", std::process::id());
        Ok(FileLock(file))
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // SAFETY: unlocking the descriptor we locked.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dir: &Path) -> (VenvSpec, Python) {
        let lock = dir.join("requirements.lock");
        std::fs::write(&lock, "pkg==1.0 --hash=sha256:00\n").unwrap();
        let package = dir.join("plugin");
        std::fs::create_dir_all(package.join("src/__pycache__")).unwrap();
        std::fs::write(package.join("pyproject.toml"), "[project]\nname='p'\n").unwrap();
        std::fs::write(package.join("src/mod.py"), "X = 1\n").unwrap();
        let spec = VenvSpec {
            name: "t".into(),
            lock,
            local_packages: vec![package],
            min_python: (3, 12),
        };
        let python = Python {
            path: "/usr/bin/python3.13".into(),
            version: (3, 13),
        };
        (spec, python)
    }

    #[test]
    fn stamp_is_stable_and_follows_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let (spec, python) = spec(dir.path());
        let first = stamp_for(&spec, &python).unwrap();
        assert_eq!(first, stamp_for(&spec, &python).unwrap());
        assert_eq!(first.len(), 64);
        std::fs::write(&spec.lock, "pkg==1.1 --hash=sha256:01\n").unwrap();
        assert_ne!(first, stamp_for(&spec, &python).unwrap());
    }

    #[test]
    fn stamp_follows_plugin_sources_but_not_caches_or_tests() {
        let dir = tempfile::tempdir().unwrap();
        let (spec, python) = spec(dir.path());
        let first = stamp_for(&spec, &python).unwrap();
        let package = &spec.local_packages[0];
        std::fs::write(package.join("src/__pycache__/mod.cpython-313.pyc"), b"\0").unwrap();
        std::fs::create_dir_all(package.join("p.egg-info")).unwrap();
        std::fs::write(package.join("p.egg-info/PKG-INFO"), "x").unwrap();
        std::fs::create_dir_all(package.join("tests")).unwrap();
        std::fs::write(package.join("tests/test_mod.py"), "def test(): pass\n").unwrap();
        assert_eq!(first, stamp_for(&spec, &python).unwrap());
        std::fs::write(package.join("src/mod.py"), "X = 2\n").unwrap();
        assert_ne!(first, stamp_for(&spec, &python).unwrap());
    }

    #[test]
    fn stamp_follows_the_interpreter() {
        let dir = tempfile::tempdir().unwrap();
        let (spec, python) = spec(dir.path());
        let other = Python {
            version: (3, 12),
            ..python.clone()
        };
        assert_ne!(
            stamp_for(&spec, &python).unwrap(),
            stamp_for(&spec, &other).unwrap()
        );
    }

    #[test]
    fn a_missing_lock_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let (mut spec, python) = spec(dir.path());
        spec.lock = dir.path().join("nope.lock");
        let message = stamp_for(&spec, &python).unwrap_err().to_string();
        assert!(message.contains("nope.lock"), "{message}");
    }

    #[test]
    fn the_uv_lock_is_pinned_with_hashes() {
        assert!(UV_LOCK.contains("uv=="));
        assert!(UV_LOCK.contains("--hash=sha256:"));
    }
}
