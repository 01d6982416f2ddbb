//! `kefu demo`: a realistic shop to look around in — teams, agents, customers in
//! several countries and languages, conversations in every status.

use crate::conversations::{assign, post_message, set_status};
use crate::inboxes::{InboxInput, create_inbox};
use crate::users::{CreateUser, insert_user};
use crate::widget::api_inbound;
use crate::{App, AppResult, auth};
use kefu_domain::time::now_ms;
use kefu_store::users;

/// The password every demo account gets.
pub const DEMO_PASSWORD: &str = "kefu-demo-2026";

/// What the demo created, for the CLI to print.
pub struct DemoSummary {
    pub admin_email: String,
    pub agent_emails: Vec<String>,
    pub widget_token: String,
    pub conversations: usize,
}

struct Customer {
    name: &'static str,
    handle: &'static str,
    email: &'static str,
    phone: &'static str,
    language: &'static str,
    country: &'static str,
    time_zone: &'static str,
    lines: &'static [&'static str],
    status: &'static str,
}

const CUSTOMERS: &[Customer] = &[
    Customer {
        name: "王芳",
        handle: "wx_wangfang",
        email: "wangfang@example.cn",
        phone: "13812345678",
        language: "zh-CN",
        country: "CN",
        time_zone: "Asia/Shanghai",
        lines: &[
            "你好，我昨天下的订单什么时候发货？",
            "订单号是 20261122-0031",
        ],
        status: "open",
    },
    Customer {
        name: "李强 (鑫源木业)",
        handle: "qq_liqiang",
        email: "liqiang@xinyuan-wood.cn",
        phone: "13987654321",
        language: "zh-CN",
        country: "CN",
        time_zone: "Asia/Shanghai",
        lines: &["想了解一下俄罗斯樟子松的挂牌价格", "规格 4 米，一等材"],
        status: "pending",
    },
    Customer {
        name: "Emily Carter",
        handle: "wa_emily",
        email: "emily.carter@example.com",
        phone: "+1 415 555 2671",
        language: "en",
        country: "US",
        time_zone: "America/Los_Angeles",
        lines: &[
            "Hi, my parcel says delivered but I never got it.",
            "Tracking number is YT2026112300123",
        ],
        status: "open",
    },
    Customer {
        name: "Иван Петров",
        handle: "sk_ivan",
        email: "ivan.petrov@example.ru",
        phone: "+7 912 345-67-89",
        language: "ru",
        country: "RU",
        time_zone: "Europe/Moscow",
        lines: &[
            "Hello, do you ship to Novosibirsk?",
            "I need 2 containers of larch.",
        ],
        status: "snoozed",
    },
    Customer {
        name: "김민준",
        handle: "kakao_minjun",
        email: "minjun.kim@example.kr",
        phone: "+82 10-1234-5678",
        language: "ko",
        country: "KR",
        time_zone: "Asia/Seoul",
        lines: &["Can I change the colour of my order to black?"],
        status: "resolved",
    },
    Customer {
        name: "Lucía García",
        handle: "wa_lucia",
        email: "lucia.garcia@example.es",
        phone: "+34 612 34 56 78",
        language: "es",
        country: "ES",
        time_zone: "Europe/Madrid",
        lines: &[
            "I want to return the shoes, they are too small.",
            "Is return shipping free?",
        ],
        status: "open",
    },
    Customer {
        name: "陈静",
        handle: "wx_chenjing",
        email: "chenjing@example.cn",
        phone: "13611112222",
        language: "zh-CN",
        country: "CN",
        time_zone: "Asia/Shanghai",
        lines: &["收到的杯子碎了一个，怎么处理？"],
        status: "open",
    },
    Customer {
        name: "Pierre Dubois",
        handle: "mail_pierre",
        email: "pierre.dubois@example.fr",
        phone: "+33 6 12 34 56 78",
        language: "fr",
        country: "FR",
        time_zone: "Europe/Paris",
        lines: &["Bonjour, do you have an invoice for order 20261101-0007?"],
        status: "resolved",
    },
];

/// Loads the demo shop. Refuses if the demo admin already exists.
pub async fn load(app: &App) -> AppResult<DemoSummary> {
    let admin = insert_user(
        app,
        &CreateUser {
            email: "admin@demo.kefu",
            name: "管理员 Admin",
            role: "admin",
            password: DEMO_PASSWORD,
            locale: Some("zh-CN"),
        },
    )
    .await?;
    let admin = auth::actor_of(&admin);
    let people = [
        ("zhang.wei@demo.kefu", "张伟", "supervisor", "售前"),
        ("liu.yang@demo.kefu", "刘洋", "agent", "售前"),
        ("zhao.min@demo.kefu", "赵敏", "agent", "售后"),
        ("sun.li@demo.kefu", "孙丽", "manager", "售后"),
        ("anna.lee@demo.kefu", "Anna Lee", "agent", "国际部"),
    ];
    let mut team_ids = std::collections::HashMap::new();
    for team in ["售前", "售后", "国际部"] {
        team_ids.insert(team, crate::teams::create_team(app, &admin, team).await?.id);
    }
    let mut agents = Vec::new();
    for (email, name, role, team) in people {
        let locale = if name.is_ascii() { "en" } else { "zh-CN" };
        let user = insert_user(
            app,
            &CreateUser {
                email,
                name,
                role,
                password: DEMO_PASSWORD,
                locale: Some(locale),
            },
        )
        .await?;
        crate::teams::add_member(app, &admin, team_ids[team], user.id).await?;
        agents.push(auth::actor_of(&user));
    }
    let widget = create_inbox(
        app,
        &admin,
        "widget",
        &InboxInput {
            name: "示例商城 Demo Shop",
            greeting: Some("您好，欢迎光临！有什么可以帮您？ Hello, how can we help?"),
            auto_reply: Some("客服暂时不在线，我们会在上班后第一时间回复您。Our team is offline now; we will reply as soon as we are back."),
            team_id: Some(team_ids["售前"]),
            shop_name: Some("示例商城"),
        },
    )
    .await?;
    let bridge = create_inbox(
        app,
        &admin,
        "api",
        &InboxInput {
            name: "微信/WhatsApp 桥接 Bridge",
            greeting: None,
            auto_reply: None,
            team_id: Some(team_ids["国际部"]),
            shop_name: Some("示例商城"),
        },
    )
    .await?;

    let mut count = 0;
    for (i, c) in CUSTOMERS.iter().enumerate() {
        let mut posted = None;
        for (j, line) in c.lines.iter().enumerate() {
            posted = Some(
                api_inbound(
                    app,
                    &admin,
                    bridge.id,
                    c.handle,
                    c.name,
                    line,
                    Some(&format!("demo-{i}-{j}")),
                )
                .await?,
            );
        }
        let Some(posted) = posted else { continue };
        let conversation_id = posted.message.conversation_id;
        let contact_id = posted.message.author_contact_id.unwrap_or_default();
        let input = crate::contacts::ContactInput {
            name: c.name.into(),
            email: Some(c.email.into()),
            phone: Some(c.phone.into()),
            language: Some(c.language.into()),
            country: Some(c.country.into()),
            time_zone: Some(c.time_zone.into()),
            ..Default::default()
        };
        crate::contacts::update_contact(app, &admin, contact_id, &input).await?;
        let agent = &agents[i % agents.len()];
        if c.status != "open" || i % 3 != 0 {
            assign(app, &admin, conversation_id, Some(agent.user_id), None).await?;
            let reply = if c.language == "zh-CN" {
                "您好，我来帮您查一下，请稍等。"
            } else {
                "Hello! Let me check that for you, one moment please."
            };
            post_message(app, agent, conversation_id, reply, false, None).await?;
            post_message(
                app,
                agent,
                conversation_id,
                "已核对客户信息 / customer details checked",
                true,
                None,
            )
            .await?;
        }
        match c.status {
            "snoozed" => {
                set_status(
                    app,
                    &admin,
                    conversation_id,
                    "snoozed",
                    Some(now_ms() + 86_400_000),
                )
                .await?;
            }
            "open" => {}
            other => {
                set_status(app, &admin, conversation_id, other, None).await?;
            }
        }
        count += 1;
    }
    let _ = users::count(&app.db).await?;
    Ok(DemoSummary {
        admin_email: admin.email,
        agent_emails: agents.into_iter().map(|a| a.email).collect(),
        widget_token: widget.widget_token,
        conversations: count,
    })
}
