// kefu composer: `/` and a few letters (a shortcut, a title, pinyin initials such as
// `hyy` for 欢迎语) offer scripts rendered for this conversation; arrow keys and Enter
// or Tab, or a click, put one into the reply for the agent to edit and send.
const picker = document.getElementById('script-picker');
const composer = document.getElementById('composer');
const body = document.getElementById('composer-body');
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

if (picker && composer && body) {
  let matches = [];
  let active = 0;
  let slash = -1; // where the `/` being completed is
  let asked = 0; // answers to older keystrokes are dropped
  let timer;
  let pending;

  body.setAttribute('aria-autocomplete', 'list');
  body.setAttribute('aria-controls', picker.id);
  body.setAttribute('aria-expanded', 'false');
  if (picker.dataset.hint) body.placeholder = `${body.placeholder} ${picker.dataset.hint}`;

  // A `/` at the start or after white space, with only letters between it and the caret.
  function trigger() {
    const caret = body.selectionStart;
    if (caret !== body.selectionEnd) return null;
    const m = /(^|\s)\/([^\s/]{0,60})$/.exec(body.value.slice(0, caret));
    return m ? { at: caret - m[2].length - 1, q: m[2] } : null;
  }

  function close() {
    asked += 1;
    clearTimeout(timer);
    picker.hidden = true;
    picker.replaceChildren();
    matches = [];
    slash = -1;
    body.setAttribute('aria-expanded', 'false');
    body.removeAttribute('aria-activedescendant');
  }

  function option(m, i) {
    const li = document.createElement('li');
    li.id = `script-option-${m.id}`;
    li.className = i === active ? 'script-option active' : 'script-option';
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', String(i === active));
    li.dataset.id = m.id;
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = m.title;
    li.append(title);
    if (m.shortcut) {
      const code = document.createElement('code');
      code.textContent = `/${m.shortcut}`;
      li.append(code);
    }
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = m.text;
    li.append(text);
    // mousedown, not click: the reply box keeps its focus and caret.
    li.addEventListener('mousedown', (e) => { e.preventDefault(); insert(i); });
    return li;
  }

  function draw() {
    picker.replaceChildren();
    if (!matches.length) {
      const li = document.createElement('li');
      li.className = 'script-option none';
      li.textContent = picker.dataset.empty;
      picker.append(li);
    }
    matches.forEach((m, i) => picker.append(option(m, i)));
    picker.hidden = false;
    body.setAttribute('aria-expanded', 'true');
    if (matches[active]) {
      body.setAttribute('aria-activedescendant', `script-option-${matches[active].id}`);
      document.getElementById(`script-option-${matches[active].id}`)?.scrollIntoView({ block: 'nearest' });
    }
  }

  async function search(q, at) {
    const mine = ++asked;
    pending?.abort();
    pending = new AbortController();
    try {
      const res = await fetch(`${picker.dataset.api}?q=${encodeURIComponent(q)}&limit=8`, {
        headers: { accept: 'application/json' },
        signal: pending.signal,
      });
      if (!res.ok) return;
      const data = await res.json();
      if (mine !== asked) return;
      matches = data;
      active = 0;
      slash = at;
      draw();
    } catch (_) { /* superseded or offline: the reply box works as before */ }
  }

  // Whether the caret is still right after the `/…` the offers were made for.
  function stillTyping() {
    return slash >= 0 && trigger()?.at === slash;
  }

  function insert(i) {
    const m = matches[i];
    if (!m || !stillTyping()) { close(); return; }
    const start = slash;
    body.setRangeText(m.text, start, body.selectionStart, 'end');
    close();
    // Select the first blank to fill in (an order number, say), so typing replaces it.
    const blank = m.placeholders?.[0];
    const at = blank ? body.value.indexOf(blank, start) : -1;
    if (at >= 0 && at < start + m.text.length) body.setSelectionRange(at, at + blank.length);
    body.focus();
    fetch(`/api/v1/scripts/${m.id}/uses`, { method: 'POST', headers: { 'x-csrf-token': csrf } }).catch(() => {});
  }

  body.addEventListener('input', () => {
    const t = trigger();
    if (!t) { close(); return; }
    clearTimeout(timer);
    timer = setTimeout(() => search(t.q, t.at), 120);
  });

  // Capture phase on the form: runs before the reply box's own Enter-to-send.
  composer.addEventListener('keydown', (e) => {
    if (picker.hidden || e.target !== body || e.isComposing) return;
    if (!stillTyping()) { close(); return; }
    const step = { ArrowDown: 1, ArrowUp: -1 }[e.key];
    if (step && matches.length) {
      active = (active + step + matches.length) % matches.length;
      draw();
    } else if ((e.key === 'Enter' || e.key === 'Tab') && matches.length) {
      insert(active);
    } else if (e.key === 'Escape') {
      close();
    } else {
      return;
    }
    e.preventDefault();
    e.stopPropagation();
  }, true);

  body.addEventListener('click', () => { if (!picker.hidden && !stillTyping()) close(); });
  body.addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== body) close(); }, 150));
  composer.addEventListener('submit', close);
}
