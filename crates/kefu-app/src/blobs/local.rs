//! Blobs as files under `<dir>/ab/cd/<sha256>`, written to a temporary file and renamed
//! into place, so a crash mid-write never leaves half a blob under its name.

use super::{BlobError, BlobStore, check_key};
use futures_util::future::BoxFuture;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The local blob store.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    dir: PathBuf,
}

impl LocalBlobs {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Where a blob lives: two levels of fan-out keep directories small.
    pub fn path_of(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(&key[2..4]).join(key)
    }

    /// Half-written files go here (same file system, so the rename is atomic).
    fn tmp_dir(&self) -> PathBuf {
        self.dir.join("tmp")
    }
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BlobError {
    let path = path.to_owned();
    move |source| BlobError::Io {
        action,
        path,
        source,
    }
}

fn write_atomically(tmp_dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), BlobError> {
    if path.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(tmp_dir).map_err(io("creating", tmp_dir))?;
    let parent = path.parent().unwrap_or(tmp_dir);
    std::fs::create_dir_all(parent).map_err(io("creating", parent))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("blob");
    let tmp = tmp_dir.join(format!("{name}.{}.tmp", crate::auth::random_hex(8)));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        // On disk before it gets its name: a crash after the rename keeps all of it.
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("writing", &tmp)(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io("renaming into", path)(e)
    })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BlobError::Unreachable(format!("blob task failed: {e}")))?
}

impl BlobStore for LocalBlobs {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, Result<(), BlobError>> {
        Box::pin(async move {
            check_key(key)?;
            let (tmp, path, bytes) = (self.tmp_dir(), self.path_of(key), bytes.to_vec());
            blocking(move || write_atomically(&tmp, &path, &bytes)).await
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Vec<u8>, BlobError>> {
        Box::pin(async move {
            check_key(key)?;
            let path = self.path_of(key);
            let key = key.to_owned();
            blocking(move || match std::fs::read(&path) {
                Ok(bytes) => Ok(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(BlobError::NotFound(key)),
                Err(e) => Err(io("reading", &path)(e)),
            })
            .await
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, BlobError>> {
        Box::pin(async move {
            check_key(key)?;
            let path = self.path_of(key);
            blocking(move || Ok(path.is_file())).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blobs::key_for;

    fn temp_store(name: &str) -> LocalBlobs {
        let dir = std::env::temp_dir().join(format!(
            "kefu-blobs-{name}-{}-{}",
            std::process::id(),
            crate::auth::random_hex(4)
        ));
        LocalBlobs::new(dir)
    }

    #[tokio::test]
    async fn a_blob_put_is_read_back_byte_for_byte() {
        let store = temp_store("roundtrip");
        let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let key = key_for(&bytes);
        assert!(!store.exists(&key).await.unwrap());
        store.put(&key, &bytes).await.unwrap();
        assert!(store.exists(&key).await.unwrap());
        assert_eq!(store.get(&key).await.unwrap(), bytes);
        assert!(
            store
                .path_of(&key)
                .starts_with(store.dir.join(&key[..2]).join(&key[2..4]))
        );
        let _ = std::fs::remove_dir_all(&store.dir);
    }

    #[tokio::test]
    async fn a_write_cut_short_by_a_crash_never_shows_as_the_blob() {
        let store = temp_store("crash");
        let bytes = b"%PDF-1.7 the whole invoice".to_vec();
        let key = key_for(&bytes);
        // What a crash mid-write leaves: a partial temporary file, nothing under the name.
        std::fs::create_dir_all(store.tmp_dir()).unwrap();
        std::fs::write(store.tmp_dir().join(format!("{key}.dead.tmp")), &bytes[..5]).unwrap();
        assert!(!store.exists(&key).await.unwrap());
        assert!(matches!(store.get(&key).await, Err(BlobError::NotFound(_))));
        // The next upload of the same bytes stores them whole.
        store.put(&key, &bytes).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), bytes);
        let leftovers: Vec<_> = std::fs::read_dir(store.tmp_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            leftovers,
            vec![format!("{key}.dead.tmp")],
            "put leaves no temp file of its own"
        );
        let _ = std::fs::remove_dir_all(&store.dir);
    }

    #[tokio::test]
    async fn a_failed_write_leaves_neither_the_blob_nor_a_temp_file() {
        let store = temp_store("fail");
        let bytes = b"hello".to_vec();
        let key = key_for(&bytes);
        // The blob's directory is taken by a file: the rename must fail.
        std::fs::create_dir_all(store.dir.join(&key[..2])).unwrap();
        std::fs::write(store.dir.join(&key[..2]).join(&key[2..4]), b"not a dir").unwrap();
        assert!(store.put(&key, &bytes).await.is_err());
        assert!(!store.exists(&key).await.unwrap());
        let tmp_files = std::fs::read_dir(store.tmp_dir()).map_or(0, |d| d.count());
        assert_eq!(tmp_files, 0);
        let _ = std::fs::remove_dir_all(&store.dir);
    }

    #[tokio::test]
    async fn the_same_bytes_are_stored_once() {
        let store = temp_store("dedupe");
        let bytes = b"same".to_vec();
        let key = key_for(&bytes);
        store.put(&key, &bytes).await.unwrap();
        let first = std::fs::metadata(store.path_of(&key))
            .unwrap()
            .modified()
            .unwrap();
        store.put(&key, &bytes).await.unwrap();
        let second = std::fs::metadata(store.path_of(&key))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(first, second, "the second put must not rewrite the file");
        let _ = std::fs::remove_dir_all(&store.dir);
    }
}
