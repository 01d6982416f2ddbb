//! Sending through a real SMTP server on 127.0.0.1 and reading the result back over IMAP.

use std::time::{Duration, Instant, SystemTime};

use kefu_channels::email::compose::{
    ComposedMail, MailAddress, OutgoingAttachment, OutgoingMail, compose,
};
use kefu_channels::email::imap::{FetchedMessage, ImapClient};
use kefu_channels::email::smtp::{SmtpError, send, test_connection};
use kefu_channels::email::transport::{MailAuth, Security, TlsTrust};
use kefu_channels::testing::MailServers;
use mail_parser::{MessageParser, MimeHeaders};

fn address(name: Option<&str>, address: &str) -> MailAddress {
    MailAddress {
        name: name.map(str::to_owned),
        address: address.to_owned(),
    }
}

fn reply_to(customer: &str) -> OutgoingMail {
    OutgoingMail {
        from: address(Some("客服中心"), "desk@kefu.test"),
        to: vec![address(Some("王先生"), customer)],
        cc: vec![],
        bcc: vec![],
        subject: "发票问题".into(),
        ticket_number: Some(10_023),
        message_id: "<kefu.42@kefu.test>".into(),
        in_reply_to: Some("<c2@customer.test>".into()),
        references: vec!["<c1@customer.test>".into()],
        date: SystemTime::now(),
        text: "您好，发票已开。\n\n-- \n客服小李".into(),
        html: "<p>您好，发票已开。</p><p>-- <br>客服小李</p>".into(),
        attachments: vec![OutgoingAttachment {
            filename: "发票.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4 fake invoice".to_vec(),
        }],
        auto_submitted: false,
    }
}

fn password(secret: &str) -> MailAuth {
    MailAuth::Password(secret.into())
}

/// Reads `user`'s INBOX until a message shows up (delivery is asynchronous).
async fn first_message_of(servers: &MailServers, user: &str) -> FetchedMessage {
    let config = servers.imap_config(user, password("pw"), Security::Plain);
    let mut client = ImapClient::connect(&config).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        client.select().await.unwrap();
        if let Some(message) = client.fetch_after(0, 10).await.unwrap().into_iter().next() {
            return message;
        }
        assert!(Instant::now() < deadline, "no mail reached {user}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn send_composed(
    servers: &MailServers,
    security: Security,
    login: Option<(&str, MailAuth)>,
    mail: &ComposedMail,
) -> Result<(), SmtpError> {
    let config = servers.smtp_config(security, login);
    send(&config, &mail.envelope_from, &mail.recipients, &mail.raw).await
}

#[tokio::test]
async fn a_reply_arrives_in_the_customers_mailbox_with_headers_parts_and_attachment() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    servers.add_user("wang", "pw");
    let mail = compose(&reply_to("wang@customer.test")).unwrap();

    send_composed(
        &servers,
        Security::StartTls,
        Some(("desk", password("pw"))),
        &mail,
    )
    .await
    .unwrap();
    let arrived = first_message_of(&servers, "wang").await;

    let parsed = MessageParser::default().parse(&arrived.raw).unwrap();
    assert_eq!(parsed.subject(), Some("Re: 发票问题 [#10023]"));
    assert_eq!(parsed.message_id(), Some("kefu.42@kefu.test"));
    assert_eq!(parsed.in_reply_to().as_text(), Some("c2@customer.test"));
    let references = parsed.references().as_text_list().unwrap();
    assert_eq!(references, ["c1@customer.test", "c2@customer.test"]);
    assert_eq!(parsed.return_path().as_text(), Some("desk@kefu.test"));
    assert!(parsed.body_text(0).unwrap().contains("客服小李"));
    assert!(
        parsed
            .body_html(0)
            .unwrap()
            .contains("<p>您好，发票已开。</p>")
    );
    let attachment = parsed.attachment(0).unwrap();
    assert_eq!(attachment.attachment_name(), Some("发票.pdf"));
    assert_eq!(attachment.contents(), b"%PDF-1.4 fake invoice");
}

#[tokio::test]
async fn smtps_with_an_xoauth2_token_delivers() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "ya29.token");
    servers.add_user("wang", "pw");
    let mail = compose(&reply_to("wang@customer.test")).unwrap();

    let login = Some(("desk", MailAuth::XOAuth2("ya29.token".into())));
    send_composed(&servers, Security::Tls, login, &mail)
        .await
        .unwrap();

    let arrived = first_message_of(&servers, "wang").await;
    assert!(String::from_utf8_lossy(&arrived.raw).contains("kefu.42@kefu.test"));
}

#[tokio::test]
async fn a_recipient_refused_with_5xx_is_a_permanent_error_with_the_servers_words() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    let mail = compose(&reply_to("reject-permanent@customer.test")).unwrap();

    let err = send_composed(&servers, Security::Plain, None, &mail)
        .await
        .unwrap_err();

    assert!(
        matches!(err, SmtpError::Permanent { code: 550, .. }),
        "{err}"
    );
    assert!(err.is_permanent());
    assert!(err.to_string().contains("mailbox unavailable"), "{err}");
}

#[tokio::test]
async fn a_recipient_refused_with_4xx_is_a_transient_error() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    let mail = compose(&reply_to("reject-temporary@customer.test")).unwrap();

    let err = send_composed(&servers, Security::Plain, None, &mail)
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            SmtpError::Transient {
                code: Some(451),
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.is_permanent());
    assert!(err.to_string().contains("try again later"), "{err}");
}

#[tokio::test]
async fn a_refused_login_is_a_permanent_error() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    let config = servers.smtp_config(Security::StartTls, Some(("desk", password("wrong"))));

    let err = test_connection(&config).await.unwrap_err();

    assert!(
        matches!(err, SmtpError::Permanent { code: 535, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn a_good_login_passes_the_connection_test() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    servers.add_user("desk", "pw");
    let config = servers.smtp_config(Security::Tls, Some(("desk", password("pw"))));

    test_connection(&config).await.unwrap();
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_transient_tls_error() {
    let Some(servers) = MailServers::start() else {
        return;
    };
    let mut config = servers.smtp_config(Security::Tls, None);
    config.tls_trust = TlsTrust::default();

    let err = test_connection(&config).await.unwrap_err();

    assert!(
        matches!(err, SmtpError::Transient { code: None, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[tokio::test]
async fn a_server_that_stops_answering_gives_a_transient_error_instead_of_hanging() {
    let (port, _server) = stalling_server("220 stalling.test ESMTP\r\n").await;
    let mut config =
        kefu_channels::email::smtp::SmtpConfig::new("127.0.0.1", port, Security::Plain, None);
    config.timeout = Duration::from_millis(500);
    let mail = compose(&reply_to("wang@customer.test")).unwrap();

    let err = send(&config, &mail.envelope_from, &mail.recipients, &mail.raw)
        .await
        .unwrap_err();

    assert!(
        matches!(err, SmtpError::Transient { code: None, .. }),
        "{err}"
    );
}

/// A TCP server that greets every client with `greeting` and then says nothing more.
async fn stalling_server(greeting: &'static str) -> (u16, tokio::task::JoinHandle<()>) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.write_all(greeting.as_bytes()).await;
            open.push(socket);
        }
    });
    (port, task)
}
