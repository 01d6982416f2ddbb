#!/usr/bin/env python3
"""Writes the MIME test corpus: NAME.eml (raw message) + NAME.json (what kefu must read).

Encoded text is produced by Python's codecs, so the Rust side (encoding_rs) is checked against
an independent encoder. Run from this directory: python3 make_corpus.py
"""
import base64
import json
import os
import quopri

HERE = os.path.dirname(os.path.abspath(__file__))
CRLF = "\r\n"


def ew(text, charset, codec=None, mode="B"):
    """An RFC 2047 encoded word."""
    raw = text.encode(codec or charset)
    if mode == "B":
        return "=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode())
    q = "".join(
        chr(b) if (chr(b).isalnum() and b < 128) else "=%02X" % b for b in raw
    )
    return "=?%s?Q?%s?=" % (charset, q)


def b64(data):
    return base64.encodebytes(data).decode().replace("\n", CRLF)


def qp(data):
    return quopri.encodestring(data).decode().replace("\n", CRLF)


def headers(**extra):
    base = {
        "From": "Ann Customer <ann@example.com>",
        "To": "support@kefu.example",
        "Date": "Mon, 15 Jan 2024 10:30:00 +0800",
        "Message-ID": "<%s@example.com>" % extra.pop("mid", "m1"),
        "MIME-Version": "1.0",
    }
    base.update({k.replace("_", "-"): v for k, v in extra.items()})
    return "".join("%s: %s%s" % (k, v, CRLF) for k, v in base.items() if v is not None)


MESSAGES = {}


def add(name, raw, expect):
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    MESSAGES[name] = (raw, expect)


# --- Every charset real customers use -------------------------------------------------------

CHARSETS = [
    # (name, MIME label, python codec, transfer encoding, text, subject)
    ("gbk", "GBK", "gbk", "base64", "您好，我的订单还没有发货，请帮忙查一下。订单号：20240115。", "订单查询"),
    ("gb2312", "gb2312", "gb2312", "quoted-printable", "请问发票什么时候能开出来？谢谢！", "发票问题"),
    ("gb18030", "GB18030", "gb18030", "8bit", "生僻字测试：𠮷野家、㐀、䶮。欧元符号€。", "生僻字"),
    ("big5", "big5", "big5", "base64", "請問這個商品有現貨嗎？運費怎麼算？", "詢問庫存"),
    ("shift_jis", "Shift_JIS", "shift_jis", "base64", "ご注文の商品がまだ届いていません。確認をお願いします。", "注文について"),
    ("iso_2022_jp", "ISO-2022-JP", "iso2022_jp", "7bit", "返品の手続きを教えてください。", "返品"),
    ("euc_kr", "EUC-KR", "euc_kr", "base64", "주문한 상품이 아직 도착하지 않았습니다. 확인 부탁드립니다.", "배송 문의"),
    ("ks_c_5601", "ks_c_5601-1987", "euc_kr", "quoted-printable", "환불은 언제 되나요?", "환불"),
    ("koi8_r", "KOI8-R", "koi8_r", "quoted-printable", "Здравствуйте! Мой заказ ещё не доставлен.", "Заказ"),
    ("windows_1251", "windows-1251", "cp1251", "8bit", "Прошу вернуть деньги за товар. Спасибо!", "Возврат"),
    ("iso_8859_1", "iso-8859-1", "latin-1", "quoted-printable", "Grüße aus Köln, die Lieferung fehlt.", "Lieferung"),
]

SENDERS = {"gbk": "客户", "gb2312": "客户", "gb18030": "客户", "big5": "客戶", "shift_jis": "お客様", "iso_2022_jp": "お客様", "euc_kr": "고객", "ks_c_5601": "고객", "koi8_r": "Клиент", "windows_1251": "Клиент", "iso_8859_1": "Kundin Müller"}

for name, label, codec, cte, text, subject in CHARSETS:
    data = text.encode(codec)
    body = {"base64": b64, "quoted-printable": qp}.get(cte, lambda d: d.decode("latin-1"))(data)
    sender = ew(SENDERS[name], label, codec)
    raw = headers(
        mid="charset-" + name,
        From="%s <buyer@example.com>" % sender,
        Subject=ew(subject, label, codec, mode="Q" if cte == "quoted-printable" else "B"),
        Content_Type='text/plain; charset="%s"' % label,
        Content_Transfer_Encoding=cte,
    ) + CRLF + body
    add("charset_" + name, raw.encode("latin-1"), {
        "subject": subject,
        "from": "buyer@example.com",
        "from_name": SENDERS[name],
        "text_new": text,
        "problems": False,
    })

# Chinese clients that write raw GBK bytes in headers instead of RFC 2047.
raw = (
    b"From: " + "王小明".encode("gbk") + b" <wang@example.cn>\r\n"
    b"To: support@kefu.example\r\n"
    b"Subject: " + "退货申请 [#10023]".encode("gbk") + b"\r\n"
    b"Message-ID: <8bit-headers@example.cn>\r\n"
    b"Content-Type: text/plain; charset=gbk\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "衣服尺码不合适，想退货。".encode("gbk")
)
add("eight_bit_headers_gbk", raw, {
    "subject": "退货申请 [#10023]",
    "from": "wang@example.cn",
    "from_name": "王小明",
    "ticket_number": 10023,
    "text_new": "衣服尺码不合适，想退货。",
    "problems": True,
})

# --- Attachment names -----------------------------------------------------------------------

def multipart(boundary, parts, subtype="mixed", extra=""):
    out = "Content-Type: multipart/%s; boundary=\"%s\"%s%s%s" % (subtype, boundary, extra, CRLF, CRLF)
    for p in parts:
        out += "--%s%s%s" % (boundary, CRLF, p)
    return out + "--%s--%s" % (boundary, CRLF)


def part(ctype, body, cte=None, **hdrs):
    h = "Content-Type: %s%s" % (ctype, CRLF)
    if cte:
        h += "Content-Transfer-Encoding: %s%s" % (cte, CRLF)
    for k, v in hdrs.items():
        h += "%s: %s%s" % (k.replace("_", "-"), v, CRLF)
    return h + CRLF + body + CRLF


PDF = b"%PDF-1.4\n% fake pdf for tests\n" + bytes(range(256))
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

gbk_name = "".join("%%%02X" % b for b in "合同.pdf".encode("gbk"))
utf8_name = "".join("%%%02X" % b for b in "发票 2024年1月.pdf".encode("utf-8"))
raw = headers(mid="rfc2231", Subject="Files") + multipart("b1", [
    part("text/plain; charset=utf-8", "See the files."),
    part("application/pdf", b64(PDF), "base64",
         Content_Disposition="attachment; filename*=UTF-8''%s" % utf8_name),
    part("application/pdf", b64(PDF), "base64",
         Content_Disposition="attachment;\r\n filename*0*=gbk''%s;\r\n filename*1*=%s"
         % (gbk_name[:12], gbk_name[12:])),
    part('application/octet-stream; name="%s"' % ew("报价单.xlsx", "UTF-8"), b64(b"xlsx bytes"), "base64",
         Content_Disposition="attachment"),
    part("application/octet-stream", b64(b"evil"), "base64",
         Content_Disposition='attachment; filename="../../etc/passwd"'),
])
add("rfc2231_filenames", raw, {
    "text_new": "See the files.",
    "attachments": [
        {"filename": "发票 2024年1月.pdf", "content_type": "application/pdf", "inline": False, "size": len(PDF)},
        {"filename": "合同.pdf", "content_type": "application/pdf", "inline": False, "size": len(PDF)},
        {"filename": "报价单.xlsx", "content_type": "application/octet-stream", "inline": False, "size": 10},
        {"filename": "passwd", "content_type": "application/octet-stream", "inline": False, "size": 4},
    ],
})

# --- Nested multiparts, inline images, forwarded message --------------------------------------

forwarded = headers(mid="inner", Subject="Original order", From="Shop <shop@example.org>") + \
    "Content-Type: text/plain; charset=utf-8" + CRLF + CRLF + "Order 555 confirmed." + CRLF
html_body = '<p>Hello <b>team</b>,</p><p><img src="cid:logo@example.com" alt="logo"></p><p>Invoice attached.</p>'
raw = headers(mid="nested", Subject="Nested") + multipart("outer", [
    multipart("alt", [
        part("text/plain; charset=utf-8", "Hello team,\r\n\r\nInvoice attached."),
        multipart("rel", [
            part("text/html; charset=utf-8", qp(html_body.encode()), "quoted-printable"),
            part("image/png", b64(PNG), "base64", Content_ID="<logo@example.com>",
                 Content_Disposition='inline; filename="logo.png"'),
        ], subtype="related"),
    ], subtype="alternative"),
    part("application/pdf; name=\"invoice.pdf\"", b64(PDF), "base64",
         Content_Disposition='attachment; filename="invoice.pdf"'),
    part("message/rfc822", forwarded, Content_Disposition="attachment"),
])
add("nested_multipart", raw, {
    "text_new": "Hello team,\n\nInvoice attached.",
    "html_contains": ["<b>team</b>", 'src="cid:logo@example.com"'],
    "attachments": [
        {"filename": "logo.png", "content_type": "image/png", "inline": True, "size": len(PNG),
         "content_id": "logo@example.com"},
        {"filename": "invoice.pdf", "content_type": "application/pdf", "inline": False, "size": len(PDF)},
        {"filename": "Original order.eml", "content_type": "message/rfc822", "inline": False},
    ],
})

# --- HTML with scripts, handlers, forms, tracking pixels and escaping CSS ---------------------

evil = """<html><head><style>body{display:none}</style><script>alert(1)</script></head>
<body onload="steal()"><div style="position:fixed;top:0;left:0;width:100%;color:red">Overlay</div>
<p onclick="x()" style="margin-top:-500px;color:blue">Please <a href="javascript:alert(1)">click</a>
or <a href="https://shop.example/track?id=1">visit</a>.</p>
<form action="https://evil.example/login"><input name="password"><button>Login</button></form>
<iframe src="https://evil.example/"></iframe><object data="x.swf"></object>
<img src="https://tracker.example/open.gif?u=ann" width="1" height="1">
<img src="http://cdn.example/banner.jpg" alt="banner">
<svg><script>alert(2)</script></svg><a href="data:text/html,<script>alert(3)</script>">data</a>
<div style="background:url(https://tracker.example/bg.gif)">bg</div>
<p>Thanks, 谢谢</p></body></html>"""
raw = headers(mid="evil-html", Subject="HTML") + \
    "Content-Type: text/html; charset=utf-8" + CRLF + "Content-Transfer-Encoding: base64" + CRLF + CRLF + b64(evil.encode())
add("html_scripts_and_tracking", raw, {
    "text_contains": ["Please", "click", "Thanks, 谢谢"],
    "text_not_contains": ["alert(1)", "display:none"],
    "html_contains": ["Overlay", "Thanks, 谢谢", 'data-kefu-remote-src="https://tracker.example/open.gif?u=ann"',
                      'data-kefu-remote-src="http://cdn.example/banner.jpg"', 'href="https://shop.example/track?id=1"',
                      "color:blue"],
    "html_not_contains": ["<script", "alert", "onload", "onclick", "<form", "<input", "<button", "<iframe", "<object",
                          "position", "-500px", "javascript:", "data:text", "url(", " src=\"http", "<style", "<svg"],
})

# --- Broken MIME ----------------------------------------------------------------------------

raw = headers(mid="no-boundary", Subject="No boundary") + \
    "Content-Type: multipart/mixed" + CRLF + CRLF + "Just some text that claims to be multipart." + CRLF
add("missing_boundary", raw, {"text_contains": ["Just some text that claims to be multipart."]})

raw = headers(mid="wrong-boundary", Subject="Wrong boundary") + \
    'Content-Type: multipart/alternative; boundary="declared"' + CRLF + CRLF + \
    "--other" + CRLF + "Content-Type: text/plain" + CRLF + CRLF + "Body under a boundary nobody declared." + CRLF
add("wrong_boundary", raw, {"text_contains": ["Body under a boundary nobody declared."]})

raw = headers(mid="unterminated", Subject="Unterminated") + multipart("u", [
    part("text/plain; charset=utf-8", "First part survives."),
    part("application/pdf", b64(PDF)[:40], "base64", Content_Disposition='attachment; filename="cut.pdf"'),
])[: -len("--u--\r\n")]
add("unterminated_multipart", raw, {
    "text_contains": ["First part survives."],
    "attachments": [{"filename": "cut.pdf", "content_type": "application/pdf", "inline": False}],
})

raw = headers(mid="wrong-type", Subject="Wrong type") + \
    "Content-Type: text/plain; charset=x-unknown-charset" + CRLF + "Content-Transfer-Encoding: quoted-printable" + CRLF + CRLF + \
    "Caf=C3=A9 is fine; soft=\r\nbreak joined." + CRLF
add("unknown_charset", raw, {"text_contains": ["break joined."]})

raw = headers(mid="broken-b64", Subject="Broken base64") + \
    "Content-Type: text/plain; charset=utf-8" + CRLF + "Content-Transfer-Encoding: base64" + CRLF + CRLF + \
    b64("完整的文字".encode()) + "!!!@@@###" + CRLF
add("broken_base64", raw, {"text_contains": ["完整的文字"]})

raw = headers(mid="bad-type", Subject="Bad type") + \
    "Content-Type: texte/plane;;; charset=" + CRLF + CRLF + "Readable anyway." + CRLF
add("malformed_content_type", raw, {"text_contains": ["Readable anyway."]})

add("no_headers_at_all", "\r\n\r\nhello, this is not an email\r\n", {"text_contains": ["hello, this is not an email"]})

add("empty_message", "", {})

big = bytes((i * 7) % 256 for i in range(150_000))
raw = headers(mid="huge", Subject="Big file") + multipart("h", [
    part("text/plain; charset=utf-8", "Video attached."),
    part("video/mp4", b64(big), "base64", Content_Disposition='attachment; filename="clip.mp4"'),
    part("text/plain; charset=utf-8", b64(b"small file"), "base64", Content_Disposition='attachment; filename="note.txt"'),
])
add("huge_attachment_over_limit", raw, {
    "limits": {"attachment_bytes": 100_000},
    "text_new": "Video attached.",
    "problems": True,
    "attachments": [
        {"filename": "clip.mp4", "content_type": "video/mp4", "inline": False, "size": len(big), "omitted": True},
        {"filename": "note.txt", "content_type": "text/plain", "inline": False, "size": 10, "omitted": False},
    ],
})

# --- Threading and quoted history -----------------------------------------------------------

raw = headers(
    mid="reply-2", Subject="Re: [#10023] Refund for order 555",
    In_Reply_To="<kefu-1@kefu.example>",
    References="<orig@example.com>\r\n <kefu-1@kefu.example>",
    Content_Type="text/plain; charset=utf-8",
) + CRLF + "Thanks, the refund arrived.\r\n\r\nOn Mon, 15 Jan 2024 at 09:00, Kefu Support <support@kefu.example> wrote:\r\n> Your refund is on its way.\r\n> \r\n>> Where is my refund?\r\n\r\n-- \r\nAnn\r\n"
add("reply_english_quote", raw, {
    "message_id": "reply-2@example.com",
    "in_reply_to": ["kefu-1@kefu.example"],
    "references": ["orig@example.com", "kefu-1@kefu.example"],
    "ticket_number": 10023,
    "text_new": "Thanks, the refund arrived.",
    "text_contains": ["Your refund is on its way."],
})

qq_text = "好的，已经收到了，谢谢！\r\n\r\n\r\n------------------&nbsp;原始邮件&nbsp;------------------\r\n".replace("&nbsp;", " ") + \
    "发件人: \"客服\"<support@kefu.example>;\r\n发送时间: 2024年1月15日(星期一) 上午9:00\r\n收件人: \"王小明\"<wang@example.cn>;\r\n主题: 回复：[#10024] 物流\r\n\r\n您的包裹已发出。\r\n"
raw = headers(mid="qq", Subject=ew("回复：[#10024] 物流", "gb18030"), In_Reply_To="<kefu-2@kefu.example>",
              Content_Type="text/plain; charset=gb18030", Content_Transfer_Encoding="base64") + CRLF + b64(qq_text.encode("gb18030"))
add("reply_qq_mail_chinese", raw, {
    "subject": "回复：[#10024] 物流",
    "ticket_number": 10024,
    "in_reply_to": ["kefu-2@kefu.example"],
    "text_new": "好的，已经收到了，谢谢！",
    "text_contains": ["您的包裹已发出。"],
})

cn_text = "没问题。\r\n\r\n在 2024年1月15日 09:00，客服 <support@kefu.example> 写道：\r\n> 请确认收货地址。\r\n"
raw = headers(mid="cn-attr", Subject="Re: 地址", Content_Type="text/plain; charset=utf-8",
              Content_Transfer_Encoding="8bit") + CRLF + cn_text
add("reply_chinese_attribution", raw, {"text_new": "没问题。"})

outlook = "Please see below.\r\n\r\n________________________________\r\nFrom: Kefu Support <support@kefu.example>\r\nSent: Monday, January 15, 2024 9:00 AM\r\nTo: Ann <ann@example.com>\r\nSubject: RE: [#10025] Warranty\r\n\r\nOld text.\r\n"
raw = headers(mid="outlook", Subject="RE: [#10025] Warranty", Thread_Index="AQHaR2", Content_Type="text/plain; charset=utf-8") + CRLF + outlook
add("reply_outlook_header_block", raw, {"ticket_number": 10025, "text_new": "Please see below."})

gmail_html = '<div dir="ltr">Got it, thanks!<br><br>Ann</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">' \
    'On Mon, Jan 15, 2024 at 9:00 AM Kefu Support &lt;<a href="mailto:support@kefu.example">support@kefu.example</a>&gt; wrote:<br></div>' \
    '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">' \
    '<div dir="ltr">Your parcel has shipped.</div></blockquote></div>'
raw = headers(mid="gmail-html", Subject="Re: [#10028] Parcel", Content_Type="text/html; charset=UTF-8",
              Content_Transfer_Encoding="quoted-printable") + CRLF + qp(gmail_html.encode())
add("reply_gmail_html_only", raw, {
    "ticket_number": 10028,
    "text_new": "Got it, thanks!\n\nAnn",
    "text_contains": ["> Your parcel has shipped."],
    "html_contains": ["<blockquote", "Your parcel has shipped."],
})

# --- Auto-replies, bulk and list mail -------------------------------------------------------

def simple(mid, subject, body="Automatic message.", **hdrs):
    return headers(mid=mid, Subject=subject, Content_Type="text/plain; charset=utf-8", **hdrs) + CRLF + body + CRLF

add("auto_submitted_auto_replied", simple("ooo", "Out of Office: Re: [#10023] Refund", Auto_Submitted="auto-replied"),
    {"auto": "AutoReply", "ticket_number": 10023})
add("auto_submitted_generated", simple("gen", "Your receipt", Auto_Submitted="auto-generated"), {"auto": "AutoGenerated"})
add("auto_submitted_no", simple("human", "Hello", Auto_Submitted="no"), {"auto": None})
add("precedence_bulk", simple("bulk", "Big sale", Precedence="bulk"), {"auto": "Bulk"})
add("list_id", simple("list", "[dev] weekly digest", List_Id="<dev.lists.example.org>",
                      List_Unsubscribe="<mailto:leave@lists.example.org>"), {"auto": "List"})
add("x_auto_response_suppress", simple("xars", "Meeting notes", X_Auto_Response_Suppress="All"), {"auto": "SuppressAutoReply"})
add("chinese_auto_reply_subject", simple("cn-ooo", "自动回复: 您的来信已收到"), {"auto": "AutoReply"})

# --- Bounces --------------------------------------------------------------------------------

dsn_status = "Reporting-MTA: dns; mx.kefu.example\r\nArrival-Date: Mon, 15 Jan 2024 10:00:00 +0800\r\n\r\n" \
    "Final-Recipient: rfc822; nobody@example.net\r\nOriginal-Recipient: rfc822;nobody@example.net\r\n" \
    "Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.example.net\r\n" \
    "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.net>: Recipient address\r\n rejected: User unknown\r\n"
orig_headers = "From: Kefu Support <support@kefu.example>\r\nTo: nobody@example.net\r\nSubject: [#10026] Your ticket\r\nMessage-ID: <kefu-out-77@kefu.example>\r\n"
raw = headers(mid="dsn", From="Mail Delivery System <MAILER-DAEMON@mx.kefu.example>",
              Subject="Undelivered Mail Returned to Sender", Return_Path="<>", Auto_Submitted="auto-replied") + \
    multipart("dsn", [
        part("text/plain; charset=us-ascii", "This is the mail system at host mx.kefu.example.\r\n\r\nI'm sorry to have to inform you that your message could not\r\nbe delivered."),
        part("message/delivery-status", dsn_status),
        part("text/rfc822-headers", orig_headers),
    ], subtype="report", extra="; report-type=delivery-status")
add("bounce_dsn", raw, {
    "auto": "Bounce",
    "bounce": {"original_message_id": "kefu-out-77@kefu.example", "recipient": "nobody@example.net", "status": "5.1.1",
               "reason": "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown"},
    "attachments": [
        {"filename": "attachment.bin", "content_type": "message/delivery-status", "inline": False},
        {"filename": "attachment.bin", "content_type": "text/rfc822-headers", "inline": False},
    ],
})

delayed = dsn_status.replace("Action: failed", "Action: delayed").replace("Status: 5.1.1", "Status: 4.4.1")
raw = headers(mid="dsn-delay", From="MAILER-DAEMON@mx.kefu.example", Subject="Delayed Mail (still being retried)") + \
    multipart("d", [part("text/plain", "Still trying."), part("message/delivery-status", delayed)],
              subtype="report", extra="; report-type=delivery-status")
add("bounce_dsn_delayed_is_not_a_failure", raw, {
    "auto": "Bounce", "bounce": None,
    "attachments": [{"filename": "attachment.bin", "content_type": "message/delivery-status", "inline": False}],
})

qmail = "Hi. This is the qmail-send program at mail.example.org.\r\nI'm afraid I wasn't able to deliver your message to the following addresses.\r\n\r\n" \
    "<gone@example.org>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n550 5.1.1 mailbox unavailable\r\n\r\n--- Below this line is a copy of the message.\r\n\r\n" \
    "Return-Path: <support@kefu.example>\r\nMessage-ID: <kefu-out-88@kefu.example>\r\nSubject: [#10027] Reply\r\n\r\nHello\r\n"
add("bounce_qmail_nonstandard", simple("qmail", "failure notice", qmail, From="MAILER-DAEMON@mail.example.org"), {
    "auto": "Bounce",
    "bounce": {"original_message_id": "kefu-out-88@kefu.example", "recipient": "gone@example.org", "status": None,
               "reason": "550 5.1.1 mailbox unavailable"},
})

cn_bounce = "很抱歉您的邮件没有发送成功。\r\n收件人：lost@example.cn\r\n退信原因：550 Mailbox not found or access denied\r\n\r\n原邮件信息：\r\nMessage-ID: <kefu-out-99@kefu.example>\r\n"
raw = headers(mid="cnb", From=ew("系统退信", "UTF-8") + " <postmaster@qq.example>", Subject=ew("系统退信", "UTF-8"),
              Content_Type="text/plain; charset=gbk", Content_Transfer_Encoding="base64") + CRLF + b64(cn_bounce.encode("gbk"))
add("bounce_chinese_postmaster", raw, {
    "auto": "Bounce",
    "bounce": {"original_message_id": "kefu-out-99@kefu.example", "recipient": "lost@example.cn", "status": None,
               "reason": "退信原因：550 Mailbox not found or access denied"},
})

add("customer_complaining_about_delivery_is_not_a_bounce",
    simple("cust", "Delivery failure of my parcel", "The courier never came.", From="Bob <bob@example.com>"),
    {"auto": None, "bounce": None, "text_new": "The courier never came."})


def main():
    for old in os.listdir(HERE):
        if old.endswith((".eml", ".json")):
            os.remove(os.path.join(HERE, old))
    for name, (raw, expect) in sorted(MESSAGES.items()):
        with open(os.path.join(HERE, name + ".eml"), "wb") as f:
            f.write(raw)
        with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(expect, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
    print("wrote %d messages" % len(MESSAGES))


if __name__ == "__main__":
    main()
