//! Migration 10: scripts (话术) — stages, scripts with one body per locale, the keys the
//! composer's `/` search matches by prefix, a shop name per inbox, and a starter set
//! in Chinese and English following seed 003 (pre-sale flow 欢迎语 → 活动告知 → 宝贝介绍
//! → 订单确认 → 收藏店铺, bargaining, payment, reminders, logistics, after-sales).

use crate::db::Backend;
use crate::schema::{ScriptBodies, ScriptKeys, ScriptStages, Scripts};
use kefu_domain::script::search_keys;
use sea_query::{Expr, ExprTrait, PostgresQueryBuilder, Query, SqliteQueryBuilder};

/// Stages in the order an agent meets them: key, English, Chinese.
const STAGES: &[(&str, &str, &str)] = &[
    ("welcome", "Welcome", "欢迎语"),
    ("promotion", "Promotions", "活动告知"),
    ("product", "Product Q&A", "商品问答"),
    ("bargaining", "Bargaining", "议价"),
    ("order_confirmation", "Order confirmation", "订单确认"),
    ("payment", "Payment", "支付"),
    ("payment_reminder", "Payment reminder", "催付"),
    ("logistics", "Logistics", "物流"),
    ("after_sales", "After-sales", "售后"),
    ("favourite", "Favourite the shop", "收藏店铺"),
    ("farewell", "Farewell", "告别"),
];

/// The starter set: stage, title, shortcut, Chinese body (the seed's wording), English body.
const STARTERS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "welcome",
        "欢迎语 Welcome",
        "hi",
        "亲，您好！欢迎光临{{shop_name}}！我是客服{{agent_name}}，请问选购好款式了么？很愿意为亲服务！",
        "Hello {{customer_name}}, welcome to {{shop_name}}! I'm {{agent_name}} from customer service. Have you found a style you like? I'd be glad to help.",
    ),
    (
        "welcome",
        "恭候多时 Glad you're here",
        "wait",
        "恭候您多时了，亲！请问有什么我可以为您服务的？",
        "We've been expecting you! What can I do for you today?",
    ),
    (
        "promotion",
        "活动告知 Current promotion",
        "promo",
        "亲，本店现在正在做活动，而且都是包邮的哦～这个活动是我们线上独享的，线下是没有这个优惠的，欢迎您挑选！",
        "Good news: we have a promotion on right now, and shipping is free. The offer is online only, so take your pick!",
    ),
    (
        "product",
        "正品保证 Genuine products",
        "genuine",
        "亲，{{shop_name}}品牌直销哦，旗舰店是需要公司营业执照、注册商标、税务登记证、产品质检报告等手续证明才能开张的。所以这个问题您大可放心，不仅确保正品，而且确保实惠。",
        "{{shop_name}} sells directly as the brand. A flagship store can only open with a business licence, a registered trademark, tax registration and product quality reports, so you can rest assured: every item is genuine, and good value too.",
    ),
    (
        "product",
        "有现货 In stock",
        "stock",
        "您好，这件宝贝有现货，谢谢关注！",
        "Hello, this item is in stock. Thank you for your interest!",
    ),
    (
        "product",
        "已售完 Sold out",
        "soldout",
        "真是不好意思，这款卖完了，有刚到的其他新款，给您看一下吧。",
        "I'm sorry, this one is sold out. We have some new arrivals; may I show you?",
    ),
    (
        "product",
        "实物拍摄 Real photos",
        "photo",
        "亲，本店承诺都是实物拍摄，不用担心与实物不符合哦。",
        "All our photos show the real products, so what you see is what you get.",
    ),
    (
        "bargaining",
        "不议价 Fixed prices",
        "fixed",
        "亲，抱歉啊。我们不议价的哦～现在是活动期间，您拍下的价格已经非常优惠了。",
        "Sorry, our prices are fixed. It's a promotion period, so the price you ordered at is already a very good deal.",
    ),
    (
        "bargaining",
        "统一定价 Set by the company",
        "company",
        "亲，价格都是很优惠了呢。我们不是个体经营，售价都是公司统一制定，很抱歉我们没权限修改的哦，您多多包涵。还是质量有保障才是第一位的嘛。",
        "Our prices are already very good. They are set by the company, not by me, so I'm afraid I can't change them. Thank you for understanding; quality you can rely on comes first.",
    ),
    (
        "bargaining",
        "统一价包邮 Same price everywhere",
        "same",
        "亲，我们的活动都是包邮的哦～价格上请您放心，我们线上线下都是统一定价的，这个活动是我们线上独享的，所以您已经享受最大的实惠啦！",
        "Shipping is free during our promotion. Rest assured about the price: we charge the same online and in our shops, and this offer is online only, so you already have the best deal!",
    ),
    (
        "bargaining",
        "会员价 Member prices",
        "member",
        "亲，买过且交易成功后您就是{{shop_name}}尊贵的会员了，再次来购买，亲就可以享受会员价格购买了。",
        "Once your first order is complete you become a {{shop_name}} member, and next time you buy you get member prices.",
    ),
    (
        "order_confirmation",
        "订单确认 Confirm order",
        "confirm",
        "亲爱的{{customer_name}}，您的订单{{order_number}}已收到，麻烦您核对一下收货地址以及收货人信息，确认无误后我们会第一时间为您安排发货，避免发错漏发哦。",
        "Dear {{customer_name}}, we have received your order {{order_number}}. Please check the delivery address and the recipient; once you confirm, we'll ship it right away.",
    ),
    (
        "payment",
        "付款成功 Payment received",
        "paid",
        "亲，非常感谢您的惠顾，我们这边会在第一时间为您安排发货的哦，请您耐心等待一下收货，如果有任何问题请您及时联系我们客服为您处理～祝您购物愉快。",
        "Thank you for your purchase! We'll ship your order as soon as we can. If anything comes up, just contact us here. Enjoy your shopping!",
    ),
    (
        "payment",
        "引导支付 Help with paying",
        "howpay",
        "亲，付款时遇到问题了吗？您告诉我卡在哪一步，我来帮您一步一步完成支付。",
        "Having trouble paying? Tell me which step you're stuck on and I'll walk you through it.",
    ),
    (
        "payment_reminder",
        "催付 未付款 Unpaid order",
        "unpaid",
        "亲，非常感谢您的支持，看到您刚下的订单{{order_number}}，麻烦您核对下收件信息，没有问题的话，直接付款即可，付款后，本店将在24小时内为您发货，希望您早日收到产品。",
        "Thank you for your order {{order_number}}! Please check the delivery details; if everything is right, you can go ahead and pay. We ship within 24 hours of payment, so it will be with you soon.",
    ),
    (
        "payment_reminder",
        "催付 已改邮费 Shipping fee adjusted",
        "fee",
        "亲，很高兴看到您购买本店的商品，邮费已经为您修改好了，您可以在您方便的时候付款。如果有其他疑问，请直接联系我，我是客服{{agent_name}}，感谢您的惠顾。",
        "Glad to see you ordering from us! I've adjusted the shipping fee for you, so you can pay whenever it suits you. If you have any other questions, contact me directly: I'm {{agent_name}}. Thank you!",
    ),
    (
        "logistics",
        "快递说明 Carriers",
        "carrier",
        "亲，小批量货我们默认发中通快递，大批量的话发物流，如果需要指定物流公司，请先和我们联系哦。",
        "Small orders ship with ZTO Express by default and large ones by freight. If you need a particular carrier, please tell us first.",
    ),
    (
        "logistics",
        "已发货 Shipped",
        "shipped",
        "亲，您的宝贝已经发出了，快递单号是{{tracking_number}}，请您注意查收哦。",
        "Your parcel is on its way; the tracking number is {{tracking_number}}.",
    ),
    (
        "logistics",
        "查询物流 Tracking",
        "track",
        "亲，我这边第一时间帮您查询一下快递单号{{tracking_number}}的物流情况，请您稍等。",
        "Let me check tracking number {{tracking_number}} for you right away; one moment, please.",
    ),
    (
        "after_sales",
        "七天无理由退货 7-day returns",
        "return",
        "亲，本店支持7天无理由退货，让您再无后顾之忧。您在订单里申请退货就可以，我们收到退货后会尽快为您处理。",
        "We accept returns within 7 days, no reason needed. Just request the return on your order and we'll handle it as soon as it arrives.",
    ),
    (
        "after_sales",
        "质量问题 Quality problem",
        "quality",
        "非常抱歉给您带来不便！如果是质量问题，我们可以给您换货或者退货，并承担来回的快递费用。麻烦您拍一下商品问题的照片发给我，好吗？",
        "I'm very sorry for the trouble! If it's a quality problem, we'll exchange or refund it and pay the shipping both ways. Could you send me a photo of the problem?",
    ),
    (
        "after_sales",
        "跟单回访 Follow-up",
        "followup",
        "亲，您好！您的宝贝收到了吗？使用了没有，有没有问题呢？如果有问题请随时联系我们；如果满意的话，麻烦给我们一个全五分好评哦，谢谢！",
        "Hello {{customer_name}}! Has your order arrived, and are you happy with it? If anything is wrong, just tell us; if you're satisfied, we'd be grateful for a five-star review. Thank you!",
    ),
    (
        "favourite",
        "收藏店铺 Favourite the shop",
        "fav",
        "亲，可以收藏一下我们的店铺哦，本店会不断上架新品，并且不定时会有促销优惠活动，欢迎随时关注我们！",
        "Why not add {{shop_name}} to your favourites? We add new products regularly and run promotions from time to time.",
    ),
    (
        "farewell",
        "告别 已成交 Thanks for ordering",
        "bye",
        "谢谢您对我们店铺的支持，希望您对我们的服务满意，欢迎您下次惠顾，亲可以收藏下我们店铺，本店不定时会有促销优惠活动，欢迎亲下次再来。",
        "Thank you for shopping with {{shop_name}}! We hope you're happy with our service and look forward to seeing you again.",
    ),
    (
        "farewell",
        "告别 未成交 See you again",
        "later",
        "亲，非常感谢您的光临，很遗憾未能与您达成交易，希望您可以收藏下本店铺，以后本店会不断上架新品，并且不定时会有促销优惠活动，欢迎随时关注我们，再次感谢您的光临。",
        "Thank you for visiting! I'm sorry we couldn't help this time. Add us to your favourites: we keep adding new products and run promotions from time to time. Thanks again!",
    ),
];

pub(super) fn scripts(b: Backend) -> Vec<String> {
    let (pk, key_type) = match b {
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
        // Byte order, so `key >= 'hy' AND key < 'hy\u{10FFFF}'` is a prefix range on the index.
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "TEXT COLLATE \"C\""),
    };
    let mut out = vec![
        format!(
            "CREATE TABLE script_stages (
                id {pk},
                key TEXT NOT NULL,
                label_en TEXT NOT NULL,
                label_zh TEXT NOT NULL,
                position BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )"
        ),
        "CREATE UNIQUE INDEX uq_script_stages_key ON script_stages (key)".into(),
        // A personal script belongs to its owner (gone with them); shared ones have no owner.
        format!(
            "CREATE TABLE scripts (
                id {pk},
                stage_id BIGINT NOT NULL REFERENCES script_stages (id) ON DELETE RESTRICT,
                owner_id BIGINT NULL REFERENCES users (id) ON DELETE CASCADE,
                title TEXT NOT NULL,
                shortcut TEXT NULL,
                usage_count BIGINT NOT NULL DEFAULT 0,
                created_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )"
        ),
        "CREATE INDEX ix_scripts_owner ON scripts (owner_id, stage_id, id)".into(),
        "CREATE INDEX ix_scripts_stage ON scripts (stage_id, id)".into(),
        // One shared script per shortcut, and one per shortcut among each agent's own.
        "CREATE UNIQUE INDEX uq_scripts_shared_shortcut ON scripts (shortcut) WHERE owner_id IS NULL"
            .into(),
        "CREATE UNIQUE INDEX uq_scripts_owner_shortcut ON scripts (owner_id, shortcut)".into(),
        "CREATE TABLE script_bodies (
             script_id BIGINT NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
             locale TEXT NOT NULL,
             body TEXT NOT NULL,
             PRIMARY KEY (script_id, locale)
         )"
        .into(),
        // Written with the script: shortcut, title, title words, pinyin initials.
        format!(
            "CREATE TABLE script_keys (
                key {key_type} NOT NULL,
                script_id BIGINT NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
                owner_id BIGINT NULL REFERENCES users (id) ON DELETE CASCADE
            )"
        ),
        "CREATE INDEX ix_script_keys_key ON script_keys (key, owner_id, script_id)".into(),
        "CREATE INDEX ix_script_keys_script ON script_keys (script_id)".into(),
        "ALTER TABLE inboxes ADD COLUMN shop_name TEXT NULL".into(),
    ];
    out.extend(starter_set(b));
    out
}

fn sql(stmt: &sea_query::InsertStatement, b: Backend) -> String {
    match b {
        Backend::Sqlite => stmt.to_string(SqliteQueryBuilder),
        Backend::Postgres => stmt.to_string(PostgresQueryBuilder),
    }
}

/// Shared starter scripts, found by their (unique) titles while seeding.
fn starter_set(b: Backend) -> Vec<String> {
    let now = kefu_domain::time::now_ms();
    let mut out = Vec::new();
    for (position, (key, en, zh)) in STAGES.iter().enumerate() {
        out.push(sql(
            &Query::insert()
                .into_table(ScriptStages::Table)
                .columns([
                    ScriptStages::Key,
                    ScriptStages::LabelEn,
                    ScriptStages::LabelZh,
                    ScriptStages::Position,
                    ScriptStages::CreatedAt,
                ])
                .values_panic([
                    (*key).into(),
                    (*en).into(),
                    (*zh).into(),
                    (position as i64).into(),
                    now.into(),
                ])
                .take(),
            b,
        ));
    }
    for (stage, title, shortcut, zh, en) in STARTERS {
        let stage_id = Query::select()
            .column(ScriptStages::Id)
            .from(ScriptStages::Table)
            .and_where(Expr::col(ScriptStages::Key).eq(*stage))
            .take();
        out.push(sql(
            &Query::insert()
                .into_table(Scripts::Table)
                .columns([
                    Scripts::StageId,
                    Scripts::Title,
                    Scripts::Shortcut,
                    Scripts::CreatedAt,
                    Scripts::UpdatedAt,
                ])
                .values_panic([
                    Expr::SubQuery(None, Box::new(stage_id.into())),
                    (*title).into(),
                    (*shortcut).into(),
                    now.into(),
                    now.into(),
                ])
                .take(),
            b,
        ));
        let script = |extra: [Expr; 2]| {
            Query::select()
                .column(Scripts::Id)
                .exprs(extra)
                .from(Scripts::Table)
                .and_where(Expr::col(Scripts::Title).eq(*title))
                .and_where(Expr::col(Scripts::OwnerId).is_null())
                .take()
        };
        for (locale, body) in [("zh-CN", zh), ("en", en)] {
            out.push(sql(
                &Query::insert()
                    .into_table(ScriptBodies::Table)
                    .columns([
                        ScriptBodies::ScriptId,
                        ScriptBodies::Locale,
                        ScriptBodies::Body,
                    ])
                    .select_from(script([Expr::val(locale), Expr::val(*body)]))
                    .expect("three columns")
                    .take(),
                b,
            ));
        }
        for key in search_keys(title, Some(shortcut)) {
            out.push(sql(
                &Query::insert()
                    .into_table(ScriptKeys::Table)
                    .columns([ScriptKeys::ScriptId, ScriptKeys::Key, ScriptKeys::OwnerId])
                    .select_from(script([Expr::val(key), Expr::val(Option::<i64>::None)]))
                    .expect("three columns")
                    .take(),
                b,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_domain::script::ScriptBody;

    #[test]
    fn every_starter_body_is_valid_and_titles_and_shortcuts_are_unique() {
        for (i, (stage, title, shortcut, zh, en)) in STARTERS.iter().enumerate() {
            assert!(STAGES.iter().any(|(k, _, _)| k == stage), "{title}");
            ScriptBody::parse(zh).unwrap_or_else(|e| panic!("{title}: {e}"));
            ScriptBody::parse(en).unwrap_or_else(|e| panic!("{title}: {e}"));
            assert!(
                STARTERS[..i]
                    .iter()
                    .all(|o| o.1 != *title && o.2 != *shortcut),
                "{title} repeats"
            );
        }
    }
}
