//! The IMAP client against a real dovecot on 127.0.0.1.

use std::time::Duration;

use kefu_channels::email::imap::{ImapClient, ImapError, Wake, test_connection};
use kefu_channels::email::transport::{MailAuth, Security, TlsTrust};
use kefu_channels::testing::{MailServers, Options};

fn message(id: u32) -> Vec<u8> {
    format!(
        "From: Customer <wang@customer.example>\r\nTo: service@shop.example\r\n\
         Subject: order {id}\r\nMessage-ID: <m{id}@customer.example>\r\n\r\nhello {id}\r\n"
    )
    .into_bytes()
}

fn password(secret: &str) -> MailAuth {
    MailAuth::Password(secret.into())
}

async fn connected(servers: &MailServers, user: &str) -> ImapClient {
    let config = servers.imap_config(user, password("pw"), Security::Plain);
    ImapClient::connect(&config).await.unwrap()
}

#[tokio::test]
async fn delivered_messages_are_fetched_by_uid_oldest_first() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    servers.deliver("desk", &message(1));
    servers.deliver("desk", &message(2));

    let mut client = connected(&servers, "desk").await;
    let state = client.select().await.unwrap();
    let fetched = client.fetch_after(0, 50).await.unwrap();

    assert_ne!(state.uid_validity, 0);
    assert_eq!(state.exists, 2);
    assert_eq!(fetched.len(), 2);
    assert!(fetched[0].uid < fetched[1].uid);
    let bodies: Vec<String> = fetched
        .iter()
        .map(|m| String::from_utf8_lossy(&m.raw).into_owned())
        .collect();
    assert!(bodies[0].contains("<m1@customer.example>") || bodies[1].contains("<m1@"));
    assert!(bodies.iter().any(|b| b.contains("hello 2")));
}

#[tokio::test]
async fn fetching_after_the_last_uid_returns_only_newer_mail() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    servers.deliver("desk", &message(1));
    let mut client = connected(&servers, "desk").await;
    client.select().await.unwrap();
    let first = client.fetch_after(0, 50).await.unwrap();
    let last_uid = first.last().unwrap().uid;

    // `UID n:*` matches the newest message even when n is past it: nothing may come back.
    assert!(client.fetch_after(last_uid, 50).await.unwrap().is_empty());

    servers.deliver("desk", &message(2));
    servers.deliver("desk", &message(3));
    client.select().await.unwrap();
    let newer = client.fetch_after(last_uid, 50).await.unwrap();

    assert_eq!(newer.len(), 2);
    assert!(newer.iter().all(|m| m.uid > last_uid));
    // Mail arriving at the same moment has no order; both must be there.
    let text = |i: usize| String::from_utf8_lossy(&newer[i].raw).into_owned();
    assert!(text(0).contains("hello 2") || text(1).contains("hello 2"));
    assert!(text(0).contains("hello 3") || text(1).contains("hello 3"));
}

#[tokio::test]
async fn a_batch_is_bounded_and_the_next_batch_continues_where_it_stopped() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    for id in 1..=5 {
        servers.deliver("desk", &message(id));
    }
    let mut client = connected(&servers, "desk").await;
    client.select().await.unwrap();

    let first = client.fetch_after(0, 2).await.unwrap();
    let second = client.fetch_after(first[1].uid, 2).await.unwrap();
    let third = client.fetch_after(second[1].uid, 2).await.unwrap();

    assert_eq!((first.len(), second.len(), third.len()), (2, 2, 1));
    assert!(first[1].uid < second[0].uid && second[1].uid < third[0].uid);
}

#[tokio::test]
async fn a_reconnected_client_sees_the_same_uidvalidity_and_nothing_new() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    servers.deliver("desk", &message(1));
    let mut client = connected(&servers, "desk").await;
    let before = client.select().await.unwrap();
    let last_uid = client.fetch_after(0, 50).await.unwrap()[0].uid;
    client.logout().await;

    let mut again = connected(&servers, "desk").await;
    let after = again.select().await.unwrap();

    assert_eq!(after.uid_validity, before.uid_validity);
    assert!(again.fetch_after(last_uid, 50).await.unwrap().is_empty());
}

#[tokio::test]
async fn idle_wakes_up_when_mail_arrives() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    let mut client = connected(&servers, "desk").await;
    client.select().await.unwrap();
    assert!(client.supports_idle());

    let (wake, ()) = tokio::join!(client.wait_for_change(Duration::from_secs(60)), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        servers.deliver("desk", &message(7));
    });

    assert_eq!(wake.unwrap(), Wake::Changed);
    let fetched = client.fetch_after(0, 50).await.unwrap();
    assert!(String::from_utf8_lossy(&fetched[0].raw).contains("hello 7"));
}

#[tokio::test]
async fn idle_without_news_times_out_and_the_session_stays_usable() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    let mut client = connected(&servers, "desk").await;
    client.select().await.unwrap();

    let wake = client.wait_for_change(Duration::from_millis(300)).await;

    assert_eq!(wake.unwrap(), Wake::TimedOut);
    servers.deliver("desk", &message(8));
    assert_eq!(client.fetch_after(0, 50).await.unwrap().len(), 1);
}

#[tokio::test]
async fn without_idle_the_client_falls_back_to_polling() {
    let Some(servers) = MailServers::start_with(Options { idle: false }) else {
        return;
    };
    servers.add_user("desk", "pw");
    let mut client = connected(&servers, "desk").await;
    client.select().await.unwrap();

    assert!(!client.supports_idle());
    servers.deliver("desk", &message(9));
    let wake = client.wait_for_change(Duration::from_millis(200)).await;

    assert_eq!(wake.unwrap(), Wake::PollDue);
    assert_eq!(client.fetch_after(0, 50).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_wrong_password_is_reported_as_a_refused_login() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    let config = servers.imap_config("desk", password("wrong"), Security::Plain);

    let err = test_connection(&config).await.unwrap_err();

    assert!(matches!(err, ImapError::AuthRefused { .. }), "{err}");
    assert!(!err.is_transient());
}

#[tokio::test]
async fn an_xoauth2_token_logs_in_and_a_bad_token_is_refused() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "ya29.token");
    let good = servers.imap_config(
        "desk",
        MailAuth::XOAuth2("ya29.token".into()),
        Security::Tls,
    );
    let bad = servers.imap_config("desk", MailAuth::XOAuth2("expired".into()), Security::Tls);

    test_connection(&good).await.unwrap();
    let err = test_connection(&bad).await.unwrap_err();
    assert!(matches!(err, ImapError::AuthRefused { .. }), "{err}");
}

#[tokio::test]
async fn imaps_and_starttls_work_with_the_servers_certificate() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    servers.deliver("desk", &message(1));

    for security in [Security::Tls, Security::StartTls] {
        let config = servers.imap_config("desk", password("pw"), security);
        let state = test_connection(&config).await.unwrap();
        assert_eq!(state.exists, 1, "{security:?}");
    }
}

#[tokio::test]
async fn an_untrusted_certificate_is_reported_as_a_tls_error() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    let mut config = servers.imap_config("desk", password("pw"), Security::Tls);
    config.tls_trust = TlsTrust::default();

    let err = test_connection(&config).await.unwrap_err();

    assert!(matches!(err, ImapError::Tls { .. }), "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[tokio::test]
async fn a_missing_mailbox_is_named_in_the_error() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    let mut config = servers.imap_config("desk", password("pw"), Security::Plain);
    config.mailbox = "Support".into();

    let err = test_connection(&config).await.unwrap_err();

    assert!(matches!(err, ImapError::MailboxMissing { .. }), "{err}");
    assert!(err.to_string().contains("Support"), "{err}");
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = kefu_channels::email::imap::ImapConfig::new(
        "127.0.0.1",
        port,
        Security::Tls,
        "desk",
        password("pw"),
    );

    let err = test_connection(&config).await.unwrap_err();

    assert!(matches!(err, ImapError::Connect { .. }), "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_server_that_stops_answering_gives_a_timeout() {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _server = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.write_all(b"* OK stalling.test ready\r\n").await;
            open.push(socket);
        }
    });
    let mut config = kefu_channels::email::imap::ImapConfig::new(
        "127.0.0.1",
        port,
        Security::Plain,
        "desk",
        password("pw"),
    );
    config.timeout = Duration::from_millis(500);

    let err = test_connection(&config).await.unwrap_err();

    assert!(matches!(err, ImapError::Timeout(_)), "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_message_is_found_by_its_message_id() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    servers.deliver("desk", &message(7));
    let mut client = connected(&servers, "desk").await;
    client.select().await.unwrap();
    assert!(
        client
            .contains_message_id("m7@customer.example")
            .await
            .unwrap()
    );
    assert!(
        client
            .contains_message_id("<m7@customer.example>")
            .await
            .unwrap()
    );
    assert!(
        !client
            .contains_message_id("m8@customer.example")
            .await
            .unwrap()
    );
    assert!(
        !client.contains_message_id("\"m7\" OR ALL").await.unwrap(),
        "a quote cannot widen the search"
    );
}
