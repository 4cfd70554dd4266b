// The SOC console: loads the open and claimed alerts, follows the alert
// stream (EventSource resumes by itself with Last-Event-ID; a resync
// reloads the list), and claims, releases and closes through the API with
// the page's anti-forgery token. A new alert flashes and, unless muted,
// beeps (Web Audio: no sound file, nothing from outside the binary). An
// alert with a clip offers "View clip", which fetches it only then.
(function () {
  'use strict';
  var root = document.getElementById('soc');
  if (!root) return;
  var csrf = root.dataset.csrf, me = Number(root.dataset.token), override = root.dataset.override === 'true';
  var list = document.getElementById('alerts'), empty = document.getElementById('soc-empty');
  var count = document.getElementById('soc-count'), status = document.getElementById('soc-status');
  var muteBtn = document.getElementById('soc-mute');
  var outcomes = document.getElementById('soc-outcomes').innerHTML;
  var alerts = new Map(), items = new Map(), loaded = false;
  var muted = localStorage.getItem('shrinkscope-soc-muted') === '1', audio = null;

  function showMute() {
    muteBtn.textContent = muted ? 'Sound off' : 'Sound on';
    muteBtn.setAttribute('aria-pressed', String(muted));
  }
  muteBtn.addEventListener('click', function () {
    muted = !muted;
    localStorage.setItem('shrinkscope-soc-muted', muted ? '1' : '0');
    if (!muted) ensureAudio();
    showMute();
  });
  showMute();
  function ensureAudio() {
    if (!audio && window.AudioContext) audio = new AudioContext();
    if (audio && audio.state === 'suspended') audio.resume();
  }
  document.addEventListener('pointerdown', function () { if (!muted) ensureAudio(); }, { once: true });
  document.addEventListener('keydown', function () { if (!muted) ensureAudio(); }, { once: true });
  function beep() {
    if (muted || !audio) return;
    var o = audio.createOscillator(), g = audio.createGain();
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.2, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.4);
  }

  function age(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }
  function money(v) { return Number(v).toFixed(2); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function mine(a) { return a.status === 'claimed' && a.holder_id === me; }

  // draw fills li for alert a; its controls depend on who holds it.
  function draw(li, a) {
    li.textContent = '';
    li.dataset.status = a.status;
    var head = el('div', 'alert-head');
    head.appendChild(el('strong', 'where', a.store + ' · ' + a.event.zone));
    head.appendChild(el('span', 'age', age(a.event.occurred_at)));
    li.appendChild(head);
    var facts = el('dl', 'alert-facts');
    [['Category', a.event.category], ['Est. value', money(a.event.est_value)], ['Method', a.event.method],
      ['Held by', a.status === 'claimed' ? a.holder : 'nobody']].forEach(function (f) {
      var d = el('div');
      d.appendChild(el('dt', '', f[0]));
      d.appendChild(el('dd', f[0] === 'Held by' ? 'holder' : '', f[1]));
      facts.appendChild(d);
    });
    li.appendChild(facts);
    if (a.evidence) {
      // The clip loads only when asked for: each view is recorded.
      var clip = button('View clip', 'clip', function () {
        var v = el('video', 'evidence');
        v.controls = true;
        v.autoplay = true;
        v.muted = true;
        v.src = '/api/v1/alerts/' + a.id + '/evidence';
        clip.replaceWith(v);
      });
      li.appendChild(clip);
    }
    var acts = el('div', 'alert-actions');
    if (a.status === 'open') {
      acts.appendChild(button('Claim', 'claim', function () { act(a.id, 'claim'); }));
    }
    if (a.status === 'claimed' && (mine(a) || override)) {
      acts.appendChild(button('Release', 'release', function () { act(a.id, 'release'); }));
    }
    li.appendChild(acts);
    if (a.status === 'open' || mine(a) || override) li.appendChild(closeForm(a));
    li.appendChild(el('p', 'msg'));
    li.querySelector('.msg').setAttribute('role', 'alert');
  }
  function button(label, cls, fn) {
    var b = el('button', cls, label);
    b.type = 'button';
    b.addEventListener('click', fn);
    return b;
  }
  function closeForm(a) {
    var f = el('form', 'close-form'), id = 'a' + a.id;
    f.innerHTML = '<label for="' + id + '-o">Outcome</label><select id="' + id + '-o" name="outcome" required></select>' +
      '<label for="' + id + '-v">Value recovered</label><input id="' + id + '-v" name="value" type="number" min="0" step="0.01" inputmode="decimal">' +
      '<label for="' + id + '-n">Note</label><input id="' + id + '-n" name="note" maxlength="500">' +
      '<button type="submit" class="close">Close</button>';
    f.querySelector('select').innerHTML = outcomes;
    f.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = { outcome: f.outcome.value, note: f.note.value };
      if (f.value.value !== '') body.value_recovered = Number(f.value.value);
      act(a.id, 'close', body);
    });
    return f;
  }

  function act(id, what, body) {
    var li = items.get(id);
    fetch('/api/v1/alerts/' + id + '/' + what, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: body ? JSON.stringify(body) : null
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j.error && j.error.message) || r.statusText);
        apply(j, false);
      });
    }).catch(function (e) {
      if (li && li.querySelector('.msg')) li.querySelector('.msg').textContent = e.message;
    });
  }

  // apply shows alert a as it now stands; fresh marks a new one.
  function apply(a, fresh) {
    if (a.status === 'closed') {
      alerts.delete(a.id);
      var gone = items.get(a.id);
      if (gone) { gone.remove(); items.delete(a.id); }
      return refresh();
    }
    var old = alerts.get(a.id);
    alerts.set(a.id, a);
    var li = items.get(a.id);
    if (!li) {
      li = el('li', 'alert');
      li.id = 'alert-' + a.id;
      li.dataset.alert = a.id;
      li.tabIndex = -1;
      items.set(a.id, li);
    }
    if (!old || old.status !== a.status || old.holder_id !== a.holder_id || old.evidence !== a.evidence) draw(li, a);
    if (fresh) {
      li.classList.add('fresh');
      setTimeout(function () { li.classList.remove('fresh'); }, 4000);
      beep();
    }
    refresh();
  }
  // refresh orders the list newest event first and updates the counts.
  function refresh() {
    var sorted = Array.from(alerts.values()).sort(function (x, y) {
      return Date.parse(y.event.occurred_at) - Date.parse(x.event.occurred_at) || y.id - x.id;
    });
    sorted.forEach(function (a, i) {
      var li = items.get(a.id);
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
    var open = sorted.filter(function (a) { return a.status === 'open'; }).length;
    count.textContent = String(sorted.length);
    empty.hidden = sorted.length > 0;
    document.title = (open ? '(' + open + ') ' : '') + 'SOC console · shrinkscope';
  }
  setInterval(function () {
    alerts.forEach(function (a, id) {
      var s = items.get(id) && items.get(id).querySelector('.age');
      if (s) s.textContent = age(a.event.occurred_at);
    });
  }, 1000);

  function load() {
    return Promise.all(['open', 'claimed'].map(function (st) {
      return fetch('/api/v1/alerts?status=' + st, { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) throw new Error('the alert list answered ' + r.status);
        return r.json();
      });
    })).then(function (lists) {
      alerts.forEach(function (_, id) { items.get(id).remove(); });
      alerts.clear();
      items.clear();
      lists.forEach(function (l) { l.alerts.forEach(function (a) { apply(a, false); }); });
      loaded = true;
      refresh();
    }).catch(function (e) { status.textContent = e.message; });
  }

  var es = new EventSource('/api/v1/alerts/stream');
  es.addEventListener('ready', function () {
    status.textContent = 'live';
    status.dataset.state = 'live';
    if (!loaded) load();
  });
  es.addEventListener('resync', function () { load(); });
  es.addEventListener('alert', function (ev) {
    var a = JSON.parse(ev.data);
    apply(a, a.change === 'opened');
  });
  es.addEventListener('error', function () {
    status.textContent = 'reconnecting…';
    status.dataset.state = 'reconnecting';
  });
})();
