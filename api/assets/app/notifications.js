// The notifications page (/app/notifications): turns Web Push on and off for this browser.
// Permission is asked only when the patient presses "Turn on notifications", never on load.
// Texts are the page's own (hidden paragraphs shown by id), so this file holds no words.
// Subscribing: GET /v1/push/vapid-public-key, pushManager.subscribe (RFC 8030/8292, the
// Push API), then POST /app/push-subscriptions with the subscription's JSON; turning off
// unsubscribes and sends DELETE /app/push-subscriptions with the endpoint. Both send the
// page's CSRF token (meta csrf-token) in X-CSRF-Token. On load, a subscription already held is
// sent again (see refresh()).
(function () {
  'use strict';
  var on = document.getElementById('turn-on');
  var off = document.getElementById('turn-off');
  var states = ['state-on', 'state-off', 'state-unsupported', 'state-denied', 'state-failed',
    'state-unavailable', 'state-dismissed', 'state-working'];
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') : '';

  function show(id) {
    states.forEach(function (s) {
      var el = document.getElementById(s);
      if (el) { el.hidden = s !== id; }
    });
    var busy = id === 'state-working';
    var state = document.getElementById('notifications-state');
    if (state) { state.setAttribute('data-state', id); state.setAttribute('aria-busy', busy ? 'true' : 'false'); }
    if (on) { on.hidden = !(id === 'state-off' || id === 'state-failed' || id === 'state-dismissed' || id === 'state-unavailable'); on.disabled = busy; }
    if (off) { off.hidden = id !== 'state-on'; off.disabled = busy; }
  }

  function supported() {
    return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  }

  // The base64url key of GET /v1/push/vapid-public-key as the bytes subscribe() takes.
  function keyBytes(b64url) {
    var b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) { b64 += '='; }
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  // A promise that gives up after `ms` (a push service that never answers).
  function within(ms, promise) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error('timeout')); }, ms);
      promise.then(function (v) { clearTimeout(timer); resolve(v); },
        function (e) { clearTimeout(timer); reject(e); });
    });
  }

  function registration() {
    return navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' })
      .then(function () { return navigator.serviceWorker.ready; });
  }

  function send(method, body) {
    return fetch('/app/push-subscriptions', {
      method: method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok && r.status !== 404) { throw new Error('status ' + r.status); }
      return r;
    });
  }

  // Whether `sub` was made with the served key (`key`: bytes); unknown counts as the same.
  function sameKey(sub, key) {
    var had = sub.options && sub.options.applicationServerKey;
    if (!had) { return true; }
    var a = new Uint8Array(had);
    if (a.length !== key.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== key[i]) { return false; } }
    return true;
  }

  // On load: a subscription this browser already holds is sent again (idempotent; it becomes
  // the signed-in patient's, not a previous one's), and one made with another VAPID key than
  // the served one is replaced (unsubscribe, subscribe again) before it is sent.
  function refresh() {
    if (!supported()) { show('state-unsupported'); return Promise.resolve(); }
    if (Notification.permission === 'denied') { show('state-denied'); return Promise.resolve(); }
    return registration()
      .then(function (reg) {
        return reg.pushManager.getSubscription().then(function (sub) {
          if (!sub || Notification.permission !== 'granted') { show('state-off'); return null; }
          return fetch('/v1/push/vapid-public-key', { credentials: 'same-origin' }).then(function (r) {
            if (!r.ok) { return sub; }
            return r.json().then(function (k) {
              var key = keyBytes(k.public_key);
              if (sameKey(sub, key)) { return sub; }
              var old = sub.endpoint;
              return sub.unsubscribe()
                .then(function () { return send('DELETE', { endpoint: old }).catch(function () {}); })
                .then(function () {
                  return within(20000, reg.pushManager.subscribe({
                    userVisibleOnly: true,
                    applicationServerKey: key
                  }));
                });
            });
          }).then(function (current) {
            return send('POST', current.toJSON()).then(function () { show('state-on'); });
          });
        });
      })
      .catch(function () { show('state-off'); });
  }

  function turnOn() {
    show('state-working');
    Notification.requestPermission().then(function (answer) {
      if (answer === 'denied') { show('state-denied'); return null; }
      if (answer !== 'granted') { show('state-dismissed'); return null; }
      return fetch('/v1/push/vapid-public-key', { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) { show('state-unavailable'); return null; }
        return r.json().then(function (k) {
          return registration().then(function (reg) {
            return within(20000, reg.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: keyBytes(k.public_key)
            }));
          }).then(function (sub) {
            return send('POST', sub.toJSON()).then(function () { show('state-on'); });
          });
        });
      });
    }).catch(function () { show('state-failed'); });
  }

  function turnOff() {
    show('state-working');
    registration()
      .then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) {
        if (!sub) { return null; }
        var endpoint = sub.endpoint;
        return sub.unsubscribe().then(function () { return send('DELETE', { endpoint: endpoint }); });
      })
      .then(function () { show('state-off'); })
      .catch(function () { show('state-failed'); });
  }

  if (on) { on.addEventListener('click', turnOn); }
  if (off) { off.addEventListener('click', turnOff); }
  refresh();
})();
