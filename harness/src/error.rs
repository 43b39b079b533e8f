use std::path::PathBuf;

/// Everything the harness can fail with; each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no Python >= {min} found; looked for {looked_for}.\n\
         Install Python {min} or newer (e.g. `pyenv install {min}`), or point SENTINEL_PYTHON at one."
    )]
    PythonNotFound { min: String, looked_for: String },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{command}` failed ({status}) while {purpose}.\n{output}")]
    Command {
        command: String,
        purpose: String,
        status: String,
        output: String,
    },

    #[error(
        "LocalStack did not become healthy within {seconds} s ({reason}).\n\
         Log: {log}\n--- last lines ---\n{tail}"
    )]
    StartFailed {
        seconds: u64,
        reason: String,
        log: PathBuf,
        tail: String,
    },

    #[error("{0}")]
    Failed(String),

    #[error("Docker mode: {0}")]
    Docker(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
