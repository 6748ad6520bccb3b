/*
 * upcross tracking: product views, widget impressions (when seen) and clicks on
 * suggestions, sent in batches with navigator.sendBeacon to upcross's events endpoint.
 * No dependencies, no build step, no cookie: a random browsing-session id lives in
 * sessionStorage. Included by {% upcross_tracking %}, which writes the config below.
 *
 * Nothing is sent when the browser asks not to be tracked (Do-Not-Track or Global
 * Privacy Control, unless the config says otherwise), nor, when the config requires
 * consent, before the page calls upcross.consent(true) (or sets window.upcrossConsent
 * to true, or to a function returning true).
 */
(function () {
  "use strict";
  var node = document.getElementById("upcross-tracking-config");
  if (!node || window.upcross && window.upcross.version) { return; }
  var config = JSON.parse(node.textContent || "{}");
  var MAX_BATCH = 20;
  var MAX_VIEWED = 20;
  var queue = [];
  var counted = {};
  var granted = null;
  var seen = typeof WeakSet === "function" ? new WeakSet() : null;

  function store(key, value) {
    try {
      if (value === undefined) { return window.sessionStorage.getItem(key); }
      window.sessionStorage.setItem(key, value);
    } catch (e) { /* storage off (private mode): this page only */ }
    return null;
  }

  function newId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    var text = "";
    for (var i = 0; i < bytes.length; i++) { text += "0123456789abcdef".charAt(bytes[i] % 16); }
    return text + Date.now().toString(36);
  }

  var session = store("upcross.session");
  if (!session || !/^[A-Za-z0-9_-]{8,64}$/.test(session)) {
    session = newId();
    store("upcross.session", session);
  }

  function doNotTrack() {
    var nav = window.navigator;
    return nav.doNotTrack === "1" || nav.doNotTrack === "yes" || window.doNotTrack === "1" ||
      nav.msDoNotTrack === "1" || nav.globalPrivacyControl === true;
  }

  function consented() {
    if (!config.consent) { return true; }
    if (granted !== null) { return granted; }
    var hook = window.upcrossConsent;
    return typeof hook === "function" ? hook() === true : hook === true;
  }

  function allowed() {
    return !(config.dnt && doNotTrack()) && consented();
  }

  function send() {
    if (!queue.length || !allowed()) { return; }
    while (queue.length) {
      var body = JSON.stringify({ events: queue.splice(0, MAX_BATCH) });
      var sent = false;
      try {
        sent = navigator.sendBeacon &&
          navigator.sendBeacon(config.endpoint, new Blob([body], { type: "application/json" }));
      } catch (e) { sent = false; }
      if (!sent && window.fetch) {
        window.fetch(config.endpoint, {
          method: "POST", body: body, keepalive: true, credentials: "omit",
          headers: { "Content-Type": "application/json" }
        })["catch"](function () {});
      }
    }
  }

  function push(event) {
    if (config.dnt && doNotTrack()) { return; }
    if (config.consent && granted === false) { return; }
    queue.push(event);
    if (queue.length >= MAX_BATCH) { send(); }
  }

  function remember(pk) {
    var viewed = [];
    try { viewed = JSON.parse(store("upcross.viewed") || "[]"); } catch (e) { viewed = []; }
    viewed = [pk].concat(viewed.filter(function (item) { return item !== pk; }));
    store("upcross.viewed", JSON.stringify(viewed.slice(0, MAX_VIEWED)));
  }

  function view(pk) {
    if (pk === null || pk === undefined || pk === "") { return; }
    pk = String(pk);
    if (counted[pk] || (config.dnt && doNotTrack())) { return; }
    counted[pk] = true;
    if (allowed()) { remember(pk); }
    push({ event: "view", products: [pk], session: session });
  }

  function pkOf(element, name) {
    var value = element.getAttribute(name);
    return value === null || value === "" ? null : value;
  }

  function impression(widget) {
    var name = pkOf(widget, "data-upcross-widget");
    var groups = {};
    var items = widget.querySelectorAll("[data-upcross-product]");
    for (var i = 0; i < items.length; i++) {
      var source = pkOf(items[i], "data-upcross-source") || pkOf(widget, "data-upcross-source") || "";
      (groups[source] = groups[source] || []).push(pkOf(items[i], "data-upcross-product"));
    }
    for (var key in groups) {
      if (Object.prototype.hasOwnProperty.call(groups, key)) {
        var event = { widget: name, event: "impression", products: groups[key].slice(0, 50) };
        if (key) { event.source = key; }
        push(event);
      }
    }
  }

  function watch() {
    if (!config.impressions) { return; }
    var widgets = document.querySelectorAll("[data-upcross-widget]");
    if (!("IntersectionObserver" in window)) { return; }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting && !(seen && seen.has(entry.target))) {
          if (seen) { seen.add(entry.target); }
          observer.unobserve(entry.target);
          impression(entry.target);
        }
      });
    }, { threshold: 0.5 });
    for (var i = 0; i < widgets.length; i++) { observer.observe(widgets[i]); }
  }

  function click(event) {
    var target = event.target;
    if (!target || !target.closest) { return; }
    var action = target.closest("a, button, input[type=submit]");
    var item = action && action.closest("[data-upcross-product]");
    var widget = item && item.closest("[data-upcross-widget]");
    if (!widget) { return; }
    var beacon = {
      widget: pkOf(widget, "data-upcross-widget"), event: "click",
      products: [pkOf(item, "data-upcross-product")]
    };
    var source = pkOf(item, "data-upcross-source") || pkOf(widget, "data-upcross-source");
    if (source) { beacon.source = source; }
    push(beacon);
  }

  function hidden() {
    if (document.visibilityState === "hidden") { send(); }
  }

  window.upcross = {
    version: 1,
    session: function () { return session; },
    viewed: function () {
      try { return JSON.parse(store("upcross.viewed") || "[]"); } catch (e) { return []; }
    },
    view: view,
    flush: send,
    consent: function (yes) {
      granted = yes === true;
      if (granted) { send(); } else { queue.length = 0; }
    }
  };

  function start() {
    view(config.product);
    var marked = document.querySelectorAll("[data-upcross-view]");
    for (var i = 0; i < marked.length; i++) { view(pkOf(marked[i], "data-upcross-view")); }
    watch();
  }

  document.addEventListener("click", click, true);
  document.addEventListener("visibilitychange", hidden);
  window.addEventListener("pagehide", send);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
