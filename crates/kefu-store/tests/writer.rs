//! SQLite's shared writer (group commit): concurrent transactions commit together,
//! and a failure, a drop or a cancelled task undoes only its own part — and never
//! leaves the batch open for the others.

use kefu_store::{Db, teams};
use std::time::Duration;

async fn fresh() -> (std::path::PathBuf, Db) {
    let dir = std::env::temp_dir().join(format!(
        "kefu-writer-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::open_sqlite(&dir.join("kefu.sqlite3")).await.unwrap();
    db.migrate().await.unwrap();
    (dir, db)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactions_keep_exactly_the_committed_work() {
    let (dir, db) = fresh().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..300 {
        let db = db.clone();
        tasks.spawn(async move {
            let mut tx = db.begin().await.unwrap();
            teams::insert(&mut tx, &format!("team {i}"), 0)
                .await
                .unwrap();
            match i % 3 {
                0 => tx.commit().await.unwrap(),
                1 => drop(tx),
                _ => {
                    let duplicate = teams::insert(&mut tx, &format!("team {i}"), 0).await;
                    assert!(
                        duplicate.is_err(),
                        "a failing statement inside the transaction"
                    );
                    drop(tx);
                }
            }
        });
    }
    let joined = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(r) = tasks.join_next().await {
            r.unwrap();
        }
    })
    .await;
    assert!(joined.is_ok(), "no transaction waits forever for its batch");
    let names: Vec<String> = teams::list(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names.len(), 100);
    assert!(
        names
            .iter()
            .all(|n| n.trim_start_matches("team ").parse::<u32>().unwrap() % 3 == 0)
    );
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_transaction_is_undone_and_does_not_block_the_writer() {
    let (dir, db) = fresh().await;
    let mut cancelled = Vec::new();
    for i in 0..20 {
        let db = db.clone();
        cancelled.push(tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            teams::insert(&mut tx, &format!("cancelled {i}"), 0)
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_secs(3600)).await;
            tx.commit().await.unwrap();
        }));
    }
    let mut kept = tokio::task::JoinSet::new();
    for i in 0..20 {
        let db = db.clone();
        kept.spawn(async move {
            let mut tx = db.begin().await.unwrap();
            teams::insert(&mut tx, &format!("kept {i}"), 0)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        });
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    for task in &cancelled {
        task.abort();
    }
    let joined = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(r) = kept.join_next().await {
            r.unwrap();
        }
    })
    .await;
    assert!(joined.is_ok(), "the writer keeps going after cancellations");
    let names: Vec<String> = teams::list(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names.len(), 20, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("kept ")));
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_cancelled_at_any_moment_leave_the_writer_consistent_and_usable() {
    let (dir, db) = fresh().await;
    let mut handles = Vec::new();
    for i in 0..200u64 {
        let db = db.clone();
        let handle = tokio::spawn(async move {
            let mut tx = db.begin().await.unwrap();
            teams::insert(&mut tx, &format!("maybe {i}"), 0)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        });
        // Cancel some right away, some mid-flight, some not at all.
        if i % 4 != 3 {
            let delay = Duration::from_micros((i * 37) % 3000);
            handles.push((
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    handle.abort();
                }),
                None,
            ));
        } else {
            handles.push((tokio::spawn(async {}), Some(handle)));
        }
    }
    let mut must_exist = Vec::new();
    for (i, (canceller, kept)) in handles.into_iter().enumerate() {
        canceller.await.unwrap();
        if let Some(kept) = kept {
            tokio::time::timeout(Duration::from_secs(30), kept)
                .await
                .expect("an uncancelled commit completes")
                .unwrap();
            must_exist.push(format!("maybe {i}"));
        }
    }
    // The writer still works, and everything that reported a commit is there.
    let mut tx = tokio::time::timeout(Duration::from_secs(30), db.begin())
        .await
        .expect("writer usable")
        .unwrap();
    teams::insert(&mut tx, "after the storm", 0).await.unwrap();
    tx.commit().await.unwrap();
    let names: Vec<String> = teams::list(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    for name in &must_exist {
        assert!(names.contains(name), "{name} was committed");
    }
    assert!(names.contains(&"after the storm".to_owned()));
    db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
