// kefu workspace: the live parts — event stream, live list and thread, composer, notifications.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
const me = Number(document.querySelector('meta[name="kefu-user"]')?.content || 0);
const list = document.getElementById('conv-list');
const thread = document.getElementById('thread');
const messages = document.getElementById('messages');
const composer = document.getElementById('composer');
const liveState = document.getElementById('live-state');
const openId = thread ? Number(thread.dataset.conversation) : 0;

// Times arrive as UTC milliseconds; show them in the agent's own zone and the page's language.
const pageLang = document.documentElement.lang || undefined;
function localTimes(root = document) {
  for (const t of root.querySelectorAll('time[data-ms]')) {
    const d = new Date(Number(t.dataset.ms));
    const today = new Date().toDateString() === d.toDateString();
    t.textContent = today
      ? d.toLocaleTimeString(pageLang, { hour: '2-digit', minute: '2-digit' })
      : d.toLocaleString(pageLang, { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    t.title = d.toLocaleString(pageLang);
  }
}

function scrollToEnd() {
  if (messages) messages.scrollTop = messages.scrollHeight;
}

function appendMessage(m) {
  if (!messages || messages.querySelector(`[data-id="${m.id}"]`)) return;
  const tpl = document.getElementById('msg-template');
  const li = tpl.content.firstElementChild.cloneNode(true);
  li.classList.add(`msg-${m.kind}`);
  li.dataset.id = m.id;
  li.querySelector('.author').textContent = m.author_name || composer?.dataset.systemName || '';
  const body = li.querySelector('.body');
  body.textContent = m.body;
  if (!m.body) body.remove();
  renderFiles(li.querySelector('.files'), m.attachments || []);
  const time = li.querySelector('time');
  time.dataset.ms = m.created_at;
  messages.appendChild(li);
  localTimes(li);
  scrollToEnd();
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${Math.ceil(bytes / (1024 * 1024))} MB`;
}

// Images (by their bytes, as the server decided) as previews opening full size; other files as downloads.
function renderFiles(ul, files) {
  if (!ul) return;
  for (const f of files) {
    const item = document.createElement('li');
    const a = document.createElement('a');
    a.href = f.url;
    if (f.preview) {
      a.className = 'file-image';
      a.target = '_blank';
      a.rel = 'noopener';
      const img = document.createElement('img');
      img.src = f.url;
      img.alt = f.filename;
      img.loading = 'lazy';
      a.append(img);
    } else {
      a.className = 'file';
      a.download = f.filename;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = f.filename;
      const size = document.createElement('span');
      size.className = 'size';
      size.textContent = formatSize(f.size);
      a.append('📎 ', name, ' ', size);
    }
    item.append(a);
    ul.append(item);
  }
}

// The server renders list rows; it answers 204 when a row no longer belongs in this list.
async function refreshRow(id) {
  if (!list) return;
  const res = await fetch(`/app/fragments/conversations/${id}?${list.dataset.keep}`, { headers: { accept: 'text/html' } });
  const old = list.querySelector(`li[data-id="${id}"]`);
  if (res.status === 204) { old?.remove(); return; }
  if (!res.ok) return;
  const holder = document.createElement('template');
  holder.innerHTML = (await res.text()).trim();
  const row = holder.content.firstElementChild;
  if (id === openId) { row.classList.add('current'); row.classList.remove('unread'); }
  old?.remove();
  list.prepend(row);
  document.getElementById('conv-empty')?.remove();
  localTimes(row);
}

let audio;
function ding() {
  try {
    audio = audio || new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.4);
  } catch (_) { /* sound is a nicety */ }
}

function notify(m, c) {
  const concernsMe = c && (c.assignee_id === me || c.assignee_id === null);
  if (m.kind !== 'incoming' || !concernsMe) return;
  if (document.visibilityState === 'visible' && c.id === openId) return;
  ding();
  if ('Notification' in window && Notification.permission === 'granted') {
    const n = new Notification(c.contact_name, { body: m.body.slice(0, 140), tag: `kefu-${c.id}` });
    n.onclick = () => { window.focus(); location.href = `/app/conversations/${c.id}?${list?.dataset.keep || 'view=all'}`; };
  }
}

function setLive(up) {
  if (!liveState) return;
  liveState.classList.toggle('up', up);
  liveState.textContent = up ? liveState.dataset.online : liveState.dataset.offline;
}

function connect() {
  // Start where the page was drawn; EventSource then reconnects by itself and
  // sends Last-Event-ID, so nothing is missed.
  const last = document.querySelector('meta[name="kefu-last-event"]')?.content;
  const es = new EventSource(last ? `/api/v1/events/stream?after=${last}` : '/api/v1/events/stream');
  es.onopen = () => setLive(true);
  es.onerror = () => setLive(false);
  es.addEventListener('message.created', (e) => {
    const { message, conversation } = JSON.parse(e.data);
    if (message.conversation_id === openId) {
      appendMessage(message);
      if (message.kind === 'incoming' && document.visibilityState === 'visible') markRead();
    }
    refreshRow(message.conversation_id);
    notify(message, conversation);
  });
  // A reply's mail was sent, or could not be delivered: say so under it (reload for Send again).
  es.addEventListener('message.delivery', (e) => {
    const { message_id: id, delivery, failure } = JSON.parse(e.data);
    const item = document.querySelector(`#messages li[data-id="${id}"]`);
    const labels = document.getElementById('messages')?.dataset;
    if (!item || !labels) return;
    let line = document.getElementById(`delivery-${id}`);
    if (!line) {
      line = document.createElement('p');
      line.id = `delivery-${id}`;
      item.insertBefore(line, item.querySelector('time'));
    }
    line.className = `delivery delivery-${delivery}`;
    const label = labels[`delivery${delivery.charAt(0).toUpperCase()}${delivery.slice(1)}`] || delivery;
    line.textContent = failure ? `${label} · ${failure}` : label;
  });
  for (const kind of ['conversation.created', 'conversation.updated']) {
    es.addEventListener(kind, (e) => {
      const { conversation, routed } = JSON.parse(e.data);
      if (routed && conversation.assignee_id === me) ding();
      refreshRow(conversation.id);
      if (conversation.id === openId) {
        const badge = document.getElementById('thread-status');
        if (badge && badge.className !== `badge status-${conversation.status}`) badge.dataset.stale = '1';
      }
    });
  }
  for (const kind of ['sla.warning', 'sla.breached', 'task.overdue', 'notification']) {
    es.addEventListener(kind, (e) => showAlert(kind, JSON.parse(e.data)));
  }
  if (board) {
    for (const kind of ['conversation.created', 'conversation.updated', 'user.availability',
      'routing.agent_updated', 'routing.team_updated', 'team.member_added', 'team.member_removed']) {
      es.addEventListener(kind, refreshBoard);
    }
  }
}

// Supervisors' queues page: the server renders the board; refetch it (at most a few
// times a second) when something that changes queues or loads happens.
const board = document.getElementById('routing-board');
let boardTimer = null;
function refreshBoard() {
  if (!board || boardTimer) return;
  boardTimer = setTimeout(async () => {
    boardTimer = null;
    // Someone choosing where to move a conversation: do not pull the list from under them.
    if (board.contains(document.activeElement) && document.activeElement.tagName === 'SELECT') {
      refreshBoard();
      return;
    }
    const res = await fetch(board.dataset.fragment, { headers: { accept: 'text/html' } });
    if (!res.ok) return;
    const holder = document.createElement('template');
    holder.innerHTML = (await res.text()).trim();
    const fresh = holder.content.getElementById('routing-board');
    if (fresh) {
      board.replaceChildren(...fresh.childNodes);
      localTimes(board);
    }
  }, 300);
}

let readPending = false;
function markRead() {
  if (readPending || !openId) return;
  readPending = true;
  setTimeout(() => {
    readPending = false;
    fetch(`/api/v1/conversations/${openId}/read`, { method: 'POST', headers: { 'x-csrf-token': csrf } });
  }, 500);
}

function newClientId() {
  return (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

if (composer) {
  const body = document.getElementById('composer-body');
  const priv = document.getElementById('composer-private');
  const error = document.getElementById('composer-error');
  const fileInput = document.getElementById('composer-file');
  const fileList = document.getElementById('composer-files');
  let picked = [];
  function showPicked() {
    fileList.replaceChildren(...picked.map((f, i) => {
      const li = document.createElement('li');
      const size = document.createElement('span');
      size.className = 'size';
      size.textContent = ` ${formatSize(f.size)}`;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '×';
      remove.title = composer.dataset.removeFile || '';
      remove.addEventListener('click', () => { picked.splice(i, 1); showPicked(); });
      li.append(f.name, size, remove);
      return li;
    }));
  }
  fileInput?.addEventListener('change', () => {
    picked = picked.concat(Array.from(fileInput.files));
    fileInput.value = '';
    showPicked();
  });
  composer.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = body.value.trim();
    if (!text && picked.length === 0) return;
    error.textContent = '';
    const send = document.getElementById('composer-send');
    send.disabled = true;
    try {
      let request;
      if (picked.length > 0) {
        // Files go as a multipart form; the browser sets its content type and boundary.
        const form = new FormData();
        form.append('body', text);
        form.append('private', priv.checked ? 'true' : 'false');
        form.append('client_id', newClientId());
        for (const f of picked) form.append('files', f, f.name);
        request = { method: 'POST', headers: { 'x-csrf-token': csrf }, body: form };
      } else {
        request = {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
          body: JSON.stringify({ body: text, private: priv.checked, client_id: newClientId() }),
        };
      }
      const res = await fetch(composer.dataset.api, request);
      const data = await res.json();
      if (!res.ok) { error.textContent = data.error?.message || res.statusText; return; }
      appendMessage(data.message);
      body.value = '';
      picked = [];
      showPicked();
      priv.checked = false;
      composer.classList.remove('note');
    } catch (_) {
      error.textContent = '⚠';
    } finally {
      send.disabled = false;
      body.focus();
    }
  });
  body.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      composer.requestSubmit();
    }
  });
  priv.addEventListener('change', () => composer.classList.toggle('note', priv.checked));
}

// Ask once, on a click (browsers refuse permission prompts without one).
document.addEventListener('click', () => {
  if ('Notification' in window && Notification.permission === 'default') Notification.requestPermission();
}, { once: true });

// Customer pages: reveal one masked phone/email/handle (audited on the server).
for (const button of document.querySelectorAll('button[data-reveal]')) {
  button.addEventListener('click', async () => {
    const target = document.getElementById(button.dataset.target);
    const error = document.getElementById('reveal-error');
    button.disabled = true;
    try {
      const res = await fetch(button.dataset.reveal, { method: 'POST', headers: { 'x-csrf-token': csrf } });
      const data = await res.json();
      if (!res.ok) throw new Error(data.error?.message || res.statusText);
      target.textContent = data.value;
      target.classList.add('revealed');
      button.remove();
      target.setAttribute('tabindex', '-1');
      target.focus();
    } catch (e) {
      button.disabled = false;
      if (error) error.textContent = e.message;
    }
  });
}

// Date filters mean the viewer's own calendar days: tell the server the viewer's zone.
for (const zone of document.querySelectorAll('input[data-local-zone]')) {
  if (!zone.value) zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
}

localTimes();
scrollToEnd();
if (csrf) connect();

// Alerts: SLA warnings and breaches, overdue hand-offs and automation notices, shown to the
// people an event names (by role or by id) wherever they are in the workspace.
const myRole = document.querySelector('meta[name="kefu-role"]')?.content || '';
const alerts = document.getElementById('alerts');
const alertLabels = { 'sla.warning': 'slaWarning', 'sla.breached': 'slaBreached',
  'task.overdue': 'taskOverdue', 'notification': 'notification' };
function showAlert(kind, data) {
  const to = data.notify || {};
  const mine = (to.user_ids || []).includes(me) || (to.roles || []).includes(myRole)
    || (myRole === 'admin' && (to.roles || []).length > 0);
  if (!alerts || !mine) return;
  const id = data.clock?.conversation_id || data.task?.conversation_id || data.conversation_id;
  const li = document.createElement('li');
  li.className = `alert ${kind.replace('.', '-')}`;
  li.dataset.kind = kind;
  const a = document.createElement(id ? 'a' : 'span');
  if (id) a.href = `/app/conversations/${id}?view=all&status=any`;
  const what = data.ticket_number ? `#${data.ticket_number}` : (data.task?.title || '');
  a.textContent = [alerts.dataset[alertLabels[kind]], what, data.contact_name || data.text || '']
    .filter(Boolean).join(' · ');
  li.append(a);
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '×';
  close.addEventListener('click', () => li.remove());
  li.append(close);
  alerts.prepend(li);
  ding();
}

// Countdowns to SLA due times (`data-due`, UTC milliseconds), updated every second.
function countdowns() {
  for (const el of document.querySelectorAll('[data-due]')) {
    const left = Number(el.dataset.due) - Date.now();
    const secs = Math.floor(Math.abs(left) / 1000);
    const h = Math.floor(secs / 3600), m = Math.floor(secs % 3600 / 60), s = secs % 60;
    el.textContent = `${left < 0 ? '−' : ''}${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
    el.classList.toggle('late', left < 0);
  }
}
countdowns();
setInterval(countdowns, 1000);
