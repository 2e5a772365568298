// The patient web app's page script: registers the service worker (scope /app/), and keeps
// nothing of one patient for the next one in a shared browser:
// - signing out (the footer's form): first deletes this browser's Web Push subscription
//   (DELETE /app/push-subscriptions with its endpoint and the page's CSRF token, then
//   unsubscribe()), then submits the form. The form is always submitted: on failure, without
//   the features, or after 2 seconds at most;
// - the signed-out page deletes every Cache Storage cache and any subscription left;
// - the sign-in pages (meta aftercare-sign-in) delete the kept copies of the pages ("pages-v1"),
//   so a new session never shows the previous one's offline copy.
"use strict";
(function () {
  var PAGES = "pages-v1";
  var has = function (name) { return !!document.querySelector('meta[name="' + name + '"]'); };
  var push = "serviceWorker" in navigator && "PushManager" in window;

  // The push subscription of this browser, or null (never rejects).
  function subscription() {
    if (!push) { return Promise.resolve(null); }
    return navigator.serviceWorker.getRegistration("/app/").then(function (reg) {
      return reg && reg.pushManager ? reg.pushManager.getSubscription() : null;
    }).catch(function () { return null; });
  }

  if (has("aftercare-signed-out")) {
    if (window.caches) {
      caches.keys().then(function (keys) {
        return Promise.all(keys.map(function (k) { return caches.delete(k); }));
      }).catch(function () {});
    }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "sign-out" });
    }
    subscription().then(function (sub) { return sub && sub.unsubscribe(); }).catch(function () {});
  }

  if (has("aftercare-sign-in") && window.caches) {
    caches.delete(PAGES).catch(function () {});
  }

  var form = document.querySelector('form[action="/app/sign-out"]');
  if (form) {
    var leaving = false;
    form.addEventListener("submit", function (event) {
      if (leaving || !push || !window.fetch || !window.Promise) { return; }
      event.preventDefault();
      leaving = true;
      var token = form.querySelector('input[name="csrf"]');
      var csrf = token ? token.value : "";
      var done = false;
      var submit = function () {
        if (done) { return; }
        done = true;
        form.submit();
      };
      setTimeout(submit, 2000);
      subscription().then(function (sub) {
        if (!sub) { return null; }
        var endpoint = sub.endpoint;
        return fetch("/app/push-subscriptions", {
          method: "DELETE",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ endpoint: endpoint })
        }).catch(function () { return null; }).then(function () { return sub.unsubscribe(); });
      }).catch(function () { return null; }).then(submit, submit);
    });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(function () {});
  }
})();
