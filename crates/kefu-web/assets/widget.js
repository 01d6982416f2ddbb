// kefu chat widget: the script a shop embeds with one <script> tag so its visitors can chat with its agents.
(function () {
  'use strict';

  if (window.KefuWidget) return; // the snippet was pasted twice

  // currentScript is only set while this file first runs, so read it now.
  const script = document.currentScript || document.querySelector('script[data-kefu-inbox]');
  const TOKEN = script && script.getAttribute('data-kefu-inbox');
  if (!script || !script.src || !TOKEN) {
    console.warn('kefu: widget script needs a src and a data-kefu-inbox attribute');
    return;
  }
  const srcUrl = new URL(script.src, location.href);
  const BASE = srcUrl.origin + srcUrl.pathname.replace(/\/widget\.js$/, '').replace(/\/+$/, '');
  const STORE_KEY = 'kefu:visitor:' + TOKEN;
  const MAX_CHARS = 10000;

  const LOCALE = /^zh/i.test(navigator.language || '') ? 'zh-CN' : 'en';
  const STRINGS = {
    'zh-CN': {
      title: '在线客服', placeholder: '输入消息…', send: '发送', close: '关闭',
      failed: '发送失败，点击重试', sending: '发送中…', tooLong: '消息不能超过 10000 字',
      connecting: '连接中…', launcher: '联系客服', attach: '发送图片或文件', file: '文件',
    },
    en: {
      title: 'Chat with us', placeholder: 'Type a message…', send: 'Send', close: 'Close',
      failed: 'Not sent — tap to retry', sending: 'Sending…', tooLong: 'Messages can be at most 10,000 characters',
      connecting: 'Connecting…', launcher: 'Chat with us', attach: 'Send an image or file', file: 'File',
    },
  };
  const t = (key) => STRINGS[LOCALE][key];

  const FONT = '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, ' +
    '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", sans-serif';
  const CSS = [
    '#kefu-widget, #kefu-widget * { box-sizing: border-box; margin: 0; padding: 0; border: 0; float: none; font-family: ' + FONT + ';',
    '  font-size: 14px; font-weight: 400; font-style: normal; line-height: 1.45; letter-spacing: normal; text-transform: none;',
    '  text-decoration: none; text-shadow: none; text-align: left; color: inherit; background: transparent; box-shadow: none;',
    '  min-width: 0; max-width: none; min-height: 0; }',
    '#kefu-widget { color: #111827; -webkit-font-smoothing: antialiased; }',
    '#kefu-widget [hidden] { display: none !important; }',
    '#kefu-widget svg { display: block; }',
    '#kefu-widget .kefu-launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px; border-radius: 50%;',
    '  background: #2563eb; color: #fff; cursor: pointer; display: flex; align-items: center; justify-content: center; box-shadow: 0 4px 14px rgba(0,0,0,.25); }',
    '#kefu-widget .kefu-launcher:hover, #kefu-widget .kefu-send:hover { background: #1d4ed8; }',
    '#kefu-widget .kefu-unread { position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px;',
    '  background: #dc2626; color: #fff; font-size: 12px; line-height: 20px; text-align: center; font-weight: 600; }',
    '#kefu-widget .kefu-panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483001; width: 360px; height: 520px; max-height: calc(100vh - 108px);',
    '  display: flex; flex-direction: column; overflow: hidden; background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.22); }',
    '#kefu-widget .kefu-header { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: #2563eb; color: #fff; }',
    '#kefu-widget .kefu-title { flex: 1; font-size: 16px; font-weight: 600; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }',
    '#kefu-widget .kefu-close { width: 28px; height: 28px; border-radius: 6px; cursor: pointer; color: #fff; font-size: 22px; line-height: 28px; text-align: center; }',
    '#kefu-widget .kefu-close:hover { background: rgba(255,255,255,.18); }',
    '#kefu-widget .kefu-greeting { padding: 10px 14px; background: #eff6ff; color: #1e3a8a; font-size: 13px; }',
    '#kefu-widget .kefu-greeting, #kefu-widget .kefu-msg-body { white-space: pre-wrap; word-break: break-word; overflow-wrap: anywhere; }',
    '#kefu-widget .kefu-status { padding: 4px 14px; color: #6b7280; font-size: 12px; text-align: center; }',
    '#kefu-widget .kefu-messages { flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 10px; padding: 12px; background: #f5f6f8; }',
    '#kefu-widget .kefu-msg { display: flex; flex-direction: column; max-width: 80%; align-self: flex-start; }',
    '#kefu-widget .kefu-msg[data-kind="incoming"] { align-self: flex-end; align-items: flex-end; }',
    '#kefu-widget .kefu-msg-author { font-size: 12px; color: #6b7280; margin-bottom: 2px; }',
    '#kefu-widget .kefu-msg-body { padding: 8px 12px; border-radius: 12px; background: #fff; border: 1px solid #e5e7eb; }',
    '#kefu-widget .kefu-msg[data-kind="incoming"] .kefu-msg-body { background: #2563eb; border-color: #2563eb; color: #fff; }',
    '#kefu-widget .kefu-msg[data-status="pending"] .kefu-msg-body, #kefu-widget .kefu-msg[data-status="failed"] .kefu-msg-body { opacity: .6; }',
    '#kefu-widget .kefu-msg-time { font-size: 11px; color: #9ca3af; margin-top: 2px; }',
    '#kefu-widget .kefu-retry { font-size: 12px; color: #dc2626; cursor: pointer; text-decoration: underline; }',
    '#kefu-widget .kefu-composer { display: flex; gap: 8px; align-items: flex-end; padding: 10px 12px 6px; border-top: 1px solid #e5e7eb; }',
    '#kefu-widget .kefu-input { flex: 1; width: 100%; height: 60px; resize: none; padding: 8px 10px; border: 1px solid #d1d5db; border-radius: 8px;',
    '  background: #fff; color: #111827; white-space: pre-wrap; }',
    '#kefu-widget .kefu-input:focus { outline: none; border-color: #2563eb; }',
    '#kefu-widget .kefu-send { height: 36px; padding: 0 16px; border-radius: 8px; background: #2563eb; color: #fff; cursor: pointer; font-weight: 600; white-space: nowrap; }',
    '#kefu-widget .kefu-attach { width: 36px; height: 36px; border-radius: 8px; cursor: pointer; font-size: 18px; line-height: 36px; text-align: center; color: #4b5563; }',
    '#kefu-widget .kefu-attach:hover { background: #f3f4f6; }',
    '#kefu-widget .kefu-files { display: flex; flex-direction: column; gap: 4px; margin-top: 4px; }',
    '#kefu-widget .kefu-files img { display: block; max-width: 220px; max-height: 180px; border-radius: 8px; border: 1px solid #e5e7eb; cursor: zoom-in; }',
    '#kefu-widget .kefu-file { display: inline-block; padding: 6px 10px; border-radius: 8px; background: #fff; border: 1px solid #e5e7eb; color: #1d4ed8; text-decoration: underline; word-break: break-all; cursor: pointer; }',
    '#kefu-widget .kefu-error { min-height: 20px; padding: 0 12px 6px; color: #dc2626; font-size: 12px; }',
    '@media (max-width: 480px) {',
    '  #kefu-widget .kefu-panel { top: 0; left: 0; right: 0; bottom: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }',
    '  #kefu-widget.kefu-open .kefu-launcher { display: none; }',
    // 16px stops iOS Safari from zooming the page when the textarea gets focus.
    '  #kefu-widget .kefu-input { font-size: 16px; }',
    '}',
  ].join('\n');

  const state = {
    visitorToken: readToken(),
    conversationId: null,
    session: null, // promise of the session, reset when it fails
    baselineId: 0, // agent messages up to this id were already there on load: not unread
    open: false,
    unread: 0,
    source: null,
    streamDelay: 1000,
  };
  const byId = new Map();
  const byClient = new Map();
  let ui = null;
  let wantOpen = false;

  function readToken() {
    try { return localStorage.getItem(STORE_KEY) || null; } catch (_) { return null; } // storage may be blocked
  }
  function saveToken(token) {
    try { localStorage.setItem(STORE_KEY, token); } catch (_) { /* the conversation then lasts one page */ }
  }

  function el(tag, cls, attrs) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (attrs) for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  }

  function chatIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    for (const [k, v] of [['viewBox', '0 0 24 24'], ['width', '28'], ['height', '28'], ['aria-hidden', 'true']]) svg.setAttribute(k, v);
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z');
    svg.appendChild(path);
    return svg;
  }

  function buildUi() {
    if (!document.getElementById('kefu-widget-style')) {
      const style = el('style', null, { id: 'kefu-widget-style' });
      style.textContent = CSS;
      (document.head || document.documentElement).appendChild(style);
    }
    const root = el('div', null, { id: 'kefu-widget', lang: LOCALE });
    const launcher = el('button', 'kefu-launcher', { id: 'kefu-launcher', type: 'button', 'aria-label': t('launcher'), title: t('launcher'), 'aria-controls': 'kefu-panel', 'aria-expanded': 'false' });
    const badge = el('span', 'kefu-unread', { id: 'kefu-unread', 'aria-live': 'polite' });
    badge.hidden = true;
    launcher.append(chatIcon(), badge);

    const panel = el('div', 'kefu-panel', { id: 'kefu-panel', role: 'dialog', 'aria-labelledby': 'kefu-title' });
    panel.hidden = true;
    const header = el('div', 'kefu-header', { id: 'kefu-header' });
    const title = el('div', 'kefu-title', { id: 'kefu-title' });
    title.textContent = t('title');
    const close = el('button', 'kefu-close', { id: 'kefu-close', type: 'button', 'aria-label': t('close'), title: t('close') });
    close.textContent = '×';
    header.append(title, close);
    const greeting = el('div', 'kefu-greeting', { id: 'kefu-greeting' });
    greeting.hidden = true;
    const status = el('div', 'kefu-status', { id: 'kefu-status', 'aria-live': 'polite' });
    status.hidden = true;
    const list = el('div', 'kefu-messages', { id: 'kefu-messages', role: 'log', 'aria-live': 'polite' });
    const composer = el('div', 'kefu-composer', { id: 'kefu-composer' });
    const input = el('textarea', 'kefu-input', { id: 'kefu-input', rows: '2', placeholder: t('placeholder'), 'aria-label': t('placeholder') });
    const send = el('button', 'kefu-send', { id: 'kefu-send', type: 'button' });
    send.textContent = t('send');
    const attach = el('button', 'kefu-attach', { id: 'kefu-attach', type: 'button', 'aria-label': t('attach'), title: t('attach') });
    attach.textContent = '📎';
    const picker = el('input', null, { id: 'kefu-file', type: 'file', multiple: '' });
    picker.hidden = true;
    composer.append(attach, picker, input, send);
    const error = el('div', 'kefu-error', { id: 'kefu-error', role: 'alert' });
    panel.append(header, greeting, status, list, composer, error);
    root.append(panel, launcher);
    document.body.appendChild(root);

    launcher.addEventListener('click', () => setOpen(!state.open));
    close.addEventListener('click', () => setOpen(false));
    panel.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') setOpen(false); });
    send.addEventListener('click', sendFromComposer);
    attach.addEventListener('click', () => picker.click());
    picker.addEventListener('change', () => {
      const files = Array.from(picker.files || []);
      picker.value = '';
      if (files.length) sendFiles(files);
    });
    input.addEventListener('input', () => showError(''));
    input.addEventListener('keydown', (ev) => {
      // keyCode 229: Safari reports the Enter that confirms an IME candidate with isComposing already false.
      if (ev.key !== 'Enter' || ev.shiftKey || ev.isComposing || ev.keyCode === 229) return;
      ev.preventDefault();
      sendFromComposer();
    });
    return { root, launcher, badge, panel, title, greeting, status, list, input, send, error };
  }

  function setOpen(open) {
    const hadFocus = ui.panel.contains(document.activeElement);
    state.open = open;
    ui.panel.hidden = !open;
    ui.root.classList.toggle('kefu-open', open);
    ui.launcher.setAttribute('aria-expanded', String(open));
    if (open) {
      setUnread(0);
      scrollToBottom();
      ui.input.focus();
    } else if (hadFocus) {
      ui.launcher.focus();
    }
  }

  function setUnread(n) {
    state.unread = n;
    ui.badge.textContent = n > 99 ? '99+' : String(n);
    ui.badge.hidden = n === 0;
  }

  function setStatus(text) {
    ui.status.textContent = text;
    ui.status.hidden = !text;
  }

  function showError(text) {
    ui.error.textContent = text;
  }

  function scrollToBottom() {
    ui.list.scrollTop = ui.list.scrollHeight;
  }

  function formatTime(ms) {
    if (typeof ms !== 'number') return '';
    const d = new Date(ms);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  function newClientId() {
    if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    // randomUUID needs a secure context; shops on plain http land here.
    const bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function formatSize(bytes) {
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return Math.ceil(bytes / 1024) + ' KB';
    return Math.ceil(bytes / (1024 * 1024)) + ' MB';
  }

  // Files need the visitor's headers, so they are fetched and shown from object URLs.
  async function fileUrl(f) {
    if (f.objectUrl) return f.objectUrl;
    await ensureSession();
    const res = await fetch(BASE + f.url, {
      headers: { 'X-Kefu-Widget': TOKEN, 'X-Kefu-Visitor': state.visitorToken }, mode: 'cors', credentials: 'omit',
    });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    f.objectUrl = URL.createObjectURL(await res.blob());
    return f.objectUrl;
  }

  function renderFiles(e) {
    e.filesEl.replaceChildren();
    const files = e.attachments || [];
    e.filesEl.hidden = files.length === 0 && !(e.files && e.files.length);
    if (e.id == null && e.files) {
      for (const file of e.files) {
        const chip = el('span', 'kefu-file');
        chip.textContent = '📎 ' + file.name + ' (' + formatSize(file.size) + ')';
        e.filesEl.appendChild(chip);
      }
      return;
    }
    for (const f of files) {
      if (f.preview) {
        const img = el('img', null, { alt: f.filename, 'data-attachment': String(f.id) });
        img.addEventListener('click', () => { if (f.objectUrl) window.open(f.objectUrl, '_blank', 'noopener'); });
        e.filesEl.appendChild(img);
        fileUrl(f).then((url) => { img.src = url; scrollToBottom(); }).catch(() => { img.alt = '⚠ ' + f.filename; });
      } else {
        const link = el('a', 'kefu-file', { href: '#', 'data-attachment': String(f.id) });
        link.textContent = '📎 ' + f.filename + ' (' + formatSize(f.size) + ')';
        link.addEventListener('click', (ev) => {
          ev.preventDefault();
          fileUrl(f).then((url) => {
            const a = el('a', null, { href: url, download: f.filename });
            document.body.appendChild(a);
            a.click();
            a.remove();
          }).catch(() => showError(t('file') + ': ' + f.filename + ' ⚠'));
        });
        e.filesEl.appendChild(link);
      }
    }
  }

  // Entry: { id, clientId, kind, body, files?, attachments?, author, createdAt, status: 'sent'|'pending'|'failed', el }
  function renderEntry(e) {
    if (!e.el) {
      e.el = el('div', 'kefu-msg');
      e.authorEl = el('div', 'kefu-msg-author');
      e.bodyEl = el('div', 'kefu-msg-body');
      e.filesEl = el('div', 'kefu-files');
      e.timeEl = el('div', 'kefu-msg-time');
      e.el.append(e.authorEl, e.bodyEl, e.filesEl, e.timeEl);
    }
    e.el.dataset.id = e.id == null ? '' : String(e.id);
    e.el.dataset.kind = e.kind;
    e.el.dataset.clientId = e.clientId || '';
    e.el.dataset.status = e.status;
    e.authorEl.textContent = e.kind === 'outgoing' && e.author ? e.author : '';
    e.authorEl.hidden = !e.authorEl.textContent;
    e.bodyEl.textContent = e.body; // never innerHTML: bodies are untrusted text
    e.bodyEl.hidden = !e.body;
    if (e.filesShown !== (e.id != null)) {
      e.filesShown = e.id != null;
      renderFiles(e);
    }
    e.timeEl.textContent = '';
    if (e.status === 'failed') {
      const retry = el('button', 'kefu-retry', { type: 'button' });
      retry.textContent = t('failed');
      retry.addEventListener('click', () => postEntry(e));
      e.timeEl.appendChild(retry);
    } else {
      e.timeEl.textContent = e.status === 'pending' ? t('sending') : formatTime(e.createdAt);
    }
  }

  // Sorted by server id; local messages not yet confirmed stay at the end.
  function place(e) {
    if (e.id != null) {
      for (const child of ui.list.children) {
        const cid = child.dataset.id;
        if (child !== e.el && (cid === '' || Number(cid) > e.id)) {
          ui.list.insertBefore(e.el, child);
          return;
        }
      }
    }
    ui.list.appendChild(e.el);
  }

  // Shows a server message unless it is already shown; returns true if it is new.
  function addServerMessage(m) {
    if (!m || typeof m.id !== 'number' || (m.kind !== 'incoming' && m.kind !== 'outgoing')) return false;
    if (byId.has(m.id)) return false;
    let e = m.client_id ? byClient.get(m.client_id) : null;
    if (e && e.id != null) e = null;
    const isNew = !e;
    if (!e) e = { clientId: m.client_id || null };
    Object.assign(e, { id: m.id, kind: m.kind, body: m.body, author: m.author_name, createdAt: m.created_at, status: 'sent', attachments: m.attachments || [] });
    byId.set(e.id, e);
    if (e.clientId) byClient.set(e.clientId, e);
    renderEntry(e);
    place(e);
    scrollToBottom();
    return isNew;
  }

  function removeEntry(e) {
    if (e.clientId) byClient.delete(e.clientId);
    if (e.el) e.el.remove();
  }

  async function api(path, { method = 'GET', headers = {}, body, form } = {}) {
    const init = { method, headers: Object.assign({}, headers), mode: 'cors', credentials: 'omit' };
    if (form !== undefined) {
      init.body = form; // multipart: the browser sets the content type and boundary
    } else if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(BASE + path, init); // rejects only on network errors
    const data = await res.json().catch(() => null);
    return { ok: res.ok, status: res.status, data };
  }

  function apiError(res) {
    const info = (res.data && res.data.error) || {};
    const err = new Error(info.message || 'HTTP ' + res.status);
    err.status = res.status;
    err.code = info.code;
    return err;
  }

  function ensureSession() {
    if (!state.session) {
      state.session = startSession().catch((err) => {
        state.session = null;
        throw err;
      });
    }
    return state.session;
  }

  async function startSession() {
    setStatus(t('connecting'));
    const res = await api('/widget/v1/sessions', {
      method: 'POST',
      body: { widget_token: TOKEN, visitor_token: state.visitorToken, locale: LOCALE },
    });
    if (!res.ok || !res.data) throw apiError(res);
    const data = res.data;
    state.visitorToken = data.visitor_token;
    saveToken(data.visitor_token);
    const inbox = data.inbox || {};
    ui.title.textContent = inbox.name || t('title');
    ui.greeting.textContent = inbox.greeting || '';
    ui.greeting.hidden = !inbox.greeting;
    for (const m of data.messages || []) {
      addServerMessage(m);
      if (m && m.id > state.baselineId) state.baselineId = m.id;
    }
    if (data.conversation_id != null) state.conversationId = data.conversation_id;
    setStatus('');
    openStream();
  }

  // Creates the session on page load, retrying while the server is unreachable.
  function boot(delay) {
    ensureSession().catch((err) => {
      if (err.status && err.status < 500) {
        console.warn('kefu: ' + err.message);
        setStatus(err.message); // retrying cannot fix e.g. a wrong widget token
        return;
      }
      setTimeout(() => boot(Math.min(delay * 2, 30000)), delay);
    });
  }

  function openStream() {
    if (state.conversationId == null || state.source || !state.visitorToken || !window.EventSource) return;
    const url = BASE + '/widget/v1/stream?widget_token=' + encodeURIComponent(TOKEN) +
      '&visitor_token=' + encodeURIComponent(state.visitorToken);
    const es = new EventSource(url);
    state.source = es;
    es.addEventListener('open', () => {
      state.streamDelay = 1000;
      setStatus('');
    });
    es.addEventListener('message.created', (ev) => {
      let m;
      try { m = JSON.parse(ev.data).message; } catch (_) { return; }
      if (addServerMessage(m) && m.kind === 'outgoing' && !state.open && m.id > state.baselineId) {
        setUnread(state.unread + 1);
      }
    });
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (an error response rather than a dropped connection) and will not retry by itself.
        es.close();
        if (state.source === es) state.source = null;
        setTimeout(openStream, state.streamDelay);
        state.streamDelay = Math.min(state.streamDelay * 2, 60000);
      } else {
        setStatus(t('connecting'));
      }
    });
  }

  function sendFromComposer() {
    const text = ui.input.value.trim(); // the server trims too
    if (!text) return;
    if (Array.from(text).length > MAX_CHARS) {
      showError(t('tooLong'));
      return;
    }
    showError('');
    ui.input.value = '';
    const e = { id: null, clientId: newClientId(), kind: 'incoming', body: text, author: null, createdAt: Date.now(), status: 'pending' };
    byClient.set(e.clientId, e);
    renderEntry(e);
    place(e);
    scrollToBottom();
    postEntry(e);
  }

  // Picked images and files go at once, as one message of their own.
  function sendFiles(files) {
    showError('');
    const e = { id: null, clientId: newClientId(), kind: 'incoming', body: '', files, author: null, createdAt: Date.now(), status: 'pending' };
    byClient.set(e.clientId, e);
    renderEntry(e);
    renderFiles(e);
    place(e);
    scrollToBottom();
    postEntry(e);
  }

  async function postEntry(e) {
    if (e.id != null || e.posting) return;
    e.posting = true;
    e.status = 'pending';
    renderEntry(e);
    let res;
    try {
      await ensureSession();
      const headers = { 'X-Kefu-Widget': TOKEN, 'X-Kefu-Visitor': state.visitorToken };
      if (e.files && e.files.length) {
        const form = new FormData();
        form.append('body', e.body);
        form.append('client_id', e.clientId);
        for (const file of e.files) form.append('files', file, file.name);
        res = await api('/widget/v1/messages', { method: 'POST', headers, form });
      } else {
        res = await api('/widget/v1/messages', { method: 'POST', headers, body: { body: e.body, client_id: e.clientId } });
      }
    } catch (err) {
      res = null;
    }
    e.posting = false;
    if (e.id != null) return; // the stream delivered it meanwhile
    if (res && res.ok && res.data && res.data.message) {
      const m = res.data.message;
      if (state.conversationId == null && m.conversation_id != null) state.conversationId = m.conversation_id;
      addServerMessage(m);
      openStream();
    } else if (res && res.status >= 400 && res.status < 500) {
      // Rejected for good: give the text back so the visitor can fix it.
      removeEntry(e);
      if (!ui.input.value && e.body) ui.input.value = e.body;
      showError(apiError(res).message);
    } else {
      // Network error or server trouble: the same client_id makes a retry safe.
      e.status = 'failed';
      renderEntry(e);
    }
  }

  function init() {
    if (ui || document.getElementById('kefu-widget')) return;
    ui = buildUi();
    if (wantOpen) setOpen(true);
    boot(2000);
  }

  window.KefuWidget = {
    open() { if (ui) setOpen(true); else wantOpen = true; },
    close() { if (ui) setOpen(false); else wantOpen = false; },
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
