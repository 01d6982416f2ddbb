//! `kefu import` from the command line: a summary, bad rows written beside the file,
//! nothing new on a second run, and a failing exit when the file cannot be read.

use std::process::Command;

fn kefu(data: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kefu"));
    c.env("KEFU_DATA_DIR", data)
        .env_remove("KEFU_DATABASE_URL")
        .env("KEFU_LOG", "warn");
    c
}

#[test]
fn a_file_is_imported_with_its_bad_rows_reported_beside_it() {
    let dir = std::env::temp_dir().join(format!("kefu-cli-import-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("客户.xlsx");
    let bytes = kefu_sheets::write(
        &["姓名", "手机", "公司"],
        [
            ["张伟", "13800138000", "深圳华强电子有限公司"],
            ["", "13900139000", ""],
            ["李娜", "12345", ""],
        ],
        kefu_sheets::Format::Xlsx,
    )
    .unwrap();
    std::fs::write(&file, bytes).unwrap();
    let run = || {
        kefu(&dir)
            .args(["import", "--entity", "contacts", "--file"])
            .arg(&file)
            .output()
            .unwrap()
    };

    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("3 rows — 1 created, 0 updated, 0 already up to date, 2 bad"),
        "{stdout}"
    );
    let report = dir.join("客户.xlsx.errors.csv");
    let errors =
        kefu_sheets::read(&std::fs::read(&report).unwrap(), kefu_sheets::Format::Csv).unwrap();
    assert_eq!(errors.headers, ["line", "姓名", "手机", "公司", "reason"]);
    assert_eq!(errors.rows[0].cells[0], "3");
    assert!(errors.rows[1].cells[4].contains("not a valid phone number"));

    let again = run();
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("0 created, 0 updated, 1 already up to date")
    );

    let broken = dir.join("broken.xlsx");
    std::fs::write(&broken, b"not a workbook").unwrap();
    for path in [broken, dir.join("missing.csv")] {
        let out = kefu(&dir)
            .args(["import", "--entity", "contacts", "--file"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{} should fail", path.display());
        assert!(!out.stderr.is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_mapping_saved_in_the_workspace_is_used_by_name() {
    let dir = std::env::temp_dir().join(format!("kefu-cli-mapping-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = kefu_store::Db::open_sqlite(&dir.join("kefu.sqlite3"))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let mapping = [("客户", "name"), ("联系方式", "phones")]
        .map(|(h, f)| (h.to_owned(), f.to_owned()))
        .into();
    let mut tx = db.begin().await.unwrap();
    kefu_store::imports::insert_mapping(&mut tx, "contact", "淘宝导出", &mapping, None, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
    let file = dir.join("tb.csv");
    std::fs::write(&file, "客户,联系方式\n刘洋,13500135000\n").unwrap();
    let import = |name: &str| {
        kefu(&dir)
            .args(["import", "--entity", "contact", "--mapping", name, "--file"])
            .arg(&file)
            .output()
            .unwrap()
    };
    let out = import("淘宝导出");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 created"));
    let unknown = import("nope");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no saved mapping named 'nope'"));
    let _ = std::fs::remove_dir_all(&dir);
}
