//! `kefu bench import`: a generated .xlsx of Chinese and English contacts (some rows
//! bad) imported into a fresh SQLite database, then imported again to show that a
//! second run creates nothing.

use clap::Args;
use kefu_app::transfer::{self, Entity, ImportFile};
use kefu_app::{App, AppConfig};
use kefu_sheets::Format;
use std::time::Instant;

#[derive(Args, Debug, Clone)]
pub struct BenchImportArgs {
    /// Data rows in the generated file.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
}

const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "欧阳",
];
const GIVEN: [&str; 16] = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "晓明",
    "婷",
];
const ENGLISH: [&str; 8] = [
    "James Smith",
    "Maria Garcia",
    "Olivia Brown",
    "Lucas Müller",
    "Emma Wilson",
    "Noah Davis",
    "Sofia Rossi",
    "Liam Johnson",
];
const CITIES: [&str; 8] = [
    "深圳", "广州", "义乌", "上海", "杭州", "东莞", "宁波", "厦门",
];
const TRADES: [&str; 8] = [
    "电子", "服饰", "家居", "五金", "玩具", "包装", "灯饰", "贸易",
];
const TITLES: [&str; 6] = ["采购经理", "总经理", "Buyer", "Sales Manager", "老板", ""];
const TAGS: [&str; 6] = ["VIP", "老客户", "展会", "wholesale", "潜在客户", ""];

/// A small deterministic generator, so every run measures the same file.
struct Lcg(u64);

impl Lcg {
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        list[(self.0 >> 33) as usize % list.len()]
    }
}

/// The file's rows: every 50th phone invalid, every 97th name missing, every 200th a
/// repeat of the row before.
fn rows(n: usize) -> Vec<Vec<String>> {
    let mut rng = Lcg(42);
    let mut out: Vec<Vec<String>> = Vec::with_capacity(n);
    for i in 0..n {
        if i % 200 == 199 {
            let again = out[i - 1].clone();
            out.push(again);
            continue;
        }
        let name = match i {
            _ if i % 97 == 96 => String::new(),
            _ if i % 5 == 0 => format!("{} {i}", rng.pick(&ENGLISH)),
            _ => format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN)),
        };
        let digits = format!("{:08}", i);
        let phone = match i % 3 {
            _ if i % 50 == 49 => "12345".to_owned(),
            0 => format!("139{digits}"),
            1 => format!("+86 139 {} {}", &digits[..4], &digits[4..]),
            _ => format!("139-{}-{}", &digits[..4], &digits[4..]),
        };
        let company = format!(
            "{}{}{}有限公司",
            rng.pick(&CITIES),
            rng.pick(&TRADES),
            i % 500
        );
        let email = if i % 3 == 0 {
            format!("buyer{i}@example.com")
        } else {
            String::new()
        };
        out.push(vec![
            name,
            phone,
            email,
            company,
            rng.pick(&TITLES).to_owned(),
            rng.pick(&TAGS).to_owned(),
            if i % 4 == 0 {
                format!("wx_{i}")
            } else {
                String::new()
            },
        ]);
    }
    out
}

pub async fn run(args: BenchImportArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("kefu-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = measure(&args, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(args: &BenchImportArgs, dir: &std::path::Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let headers = ["姓名", "手机", "邮箱", "公司", "职位", "标签", "微信"];
    let bytes = kefu_sheets::write(&headers, rows(args.rows), Format::Xlsx)?;
    println!(
        "generated {} rows as .xlsx ({:.1} MB) in {:.1} s",
        args.rows,
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let db = kefu_store::Db::open_sqlite(&dir.join("kefu.sqlite3")).await?;
    db.migrate().await?;
    let app = App::start(db, AppConfig::default()).await?;
    let file = ImportFile {
        entity: Entity::Contact,
        file_name: "bench.xlsx".into(),
        bytes,
        mapping: None,
    };
    for run in ["first import", "second import"] {
        let started = Instant::now();
        let i = transfer::import_from_command_line(&app, &file, |_, _| {}).await?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{run}: {} rows in {secs:.1} s ({:.0} rows/s) — {} created, {} updated, {} unchanged, {} bad",
            i.total,
            i.total as f64 / secs,
            i.created,
            i.updated,
            i.unchanged,
            i.failed
        );
        if run == "second import" {
            anyhow::ensure!(
                i.created == 0 && i.updated == 0,
                "the second import changed the archive"
            );
            println!("second import created nothing new");
        }
    }
    app.db.close().await;
    Ok(())
}
