/*! openfast tracker, a drop-in for the DataFast snippet */
// Plain ES2017. openfast serves it minified (go generate writes script.min.js
// and script.cookieless.min.js, the variant that sets onlyCookieless).
(() => {
  "use strict";
  // script.cookieless.js: never store anything, whatever the website's setting.
  const onlyCookieless = false;
  const w = window, d = document, n = navigator, L = location, now = Date.now;
  if (w.__openfast) return; // loaded twice
  w.__openfast = 1;
  const me = d.currentScript || Array.from(d.querySelectorAll("script[src]")).find(s => /\/js\/script(\.cookieless)?\.js([?#]|$)/.test(s.src));
  const attr = k => ((me && me.getAttribute("data-" + k)) || "").trim();
  const site = attr("website-id"), domain = attr("domain"), cd = domain.toLowerCase(), host = L.hostname.toLowerCase();
  const debug = attr("debug") == "true", log = (...a) => debug && console.log("[openfast]", ...a);
  // data-hash-routing="true": the #fragment is part of the page (hash-based routers).
  // data-track-downloads="true" (the usual extensions) or "pdf,zip,...": file download goals.
  const hashRouting = attr("hash-routing") == "true", downloads = attr("track-downloads").toLowerCase();
  const extensions = (downloads == "true" ? "pdf,xlsx,docx,txt,rtf,csv,exe,key,pps,ppt,pptx,7z,pkg,rar,gz,zip,avi,mov,mp4,mpeg,wmv,midi,mp3,wav,wma,dmg" : downloads).split(/[\s,.]+/);
  const queued = w.datafast && w.datafast.q;
  // Events go to data-api-url, else to the origin that served this script: the openfast server,
  // or the site itself when it proxies /js/script.js and /api/events (where DataFast's page
  // origin default gives the same answer).
  let ep, ignored, top;
  try { ep = new URL("/api/events", attr("api-url") || me.src).href; } catch (e) { /* unset */ }
  try { ignored = localStorage.datafast_ignore == "true"; } catch (e) { /* blocked */ }
  try { top = w.self === w.top; } catch (e) { /* framed */ }
  const off = !site || !domain || !ep ? "config" : ignored ? "ignored" :
    L.protocol == "file:" && attr("allow-file-protocol") != "true" ? "file" :
    /^(localhost|\[?::1\]?|127(\.\d+){3})$|\.local(host)?$/.test(host) && attr("allow-localhost") != "true" ? "localhost" :
    !top && !debug ? "iframe" :
    n.webdriver === true || w._phantom || w.callPhantom || w.__nightmare ||
    /headless|bot|crawl|spider|lighthouse|phantom|electron|puppeteer|playwright/i.test(n.userAgent) ? "bot" : "";
  if (off) {
    if (off == "config") console.warn("[openfast] needs data-website-id, data-domain and a valid data-api-url");
    w.datafast = (...a) => log("off:", off, a);
    return log("off:", off);
  }

  const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", VID = RegExp("^" + UUID, "i");
  const VISITOR = "datafast_visitor_id", SESSION = "datafast_session_id", YEAR = 31536e3, HALF_HOUR = 1800;
  const cookieDomain = host == cd || host.endsWith("." + cd) ? "; domain=." + cd : "", mem = {};
  // Nothing is stored until the server's answer says the website is not
  // cookieless (keep = 1); a cookieless answer (keep = 0) deletes what was
  // stored, and from then on the ids live in memory only and are not sent:
  // the server's daily-salted id is the visitor. Cookies refused: ids still
  // hold for the life of the page.
  let keep = onlyCookieless ? 0 : undefined;
  const cookie = k => keep !== 0 && (d.cookie.match(RegExp("(^|; ?)" + k + "=([^;]*)")) || [])[2] || mem[k];
  const setCookie = (k, v, secs) => {
    d.cookie = k + "=" + v + "; max-age=" + secs + "; path=/" + cookieDomain + "; SameSite=Lax" + (L.protocol == "https:" ? "; Secure" : "");
    if (cookie(k) != v) mem[k] = v;
  };
  const CHECKOUTS = "datafast_checkouts", sent = [];
  const session = f => { try { return f(w.sessionStorage); } catch (e) { /* blocked */ } };
  const forget = () => {
    keep = 0;
    for (const k of [VISITOR, SESSION]) for (const dom of ["", cookieDomain]) d.cookie = k + "=; max-age=0; path=/" + dom;
    session(s => s.removeItem(CHECKOUTS));
  };
  const uuid = () => {
    const c = w.crypto;
    if (c.randomUUID) return c.randomUUID();
    const b = c.getRandomValues(new Uint8Array(16));
    b[6] = b[6] & 15 | 64;
    b[8] = b[8] & 63 | 128;
    return Array.from(b, x => (x + 256).toString(16).slice(1)).join("").replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
  };
  const ident = (k, re, prefix, secs) => {
    let v = cookie(k);
    if (!re.test(v)) keep ? setCookie(k, v = prefix + uuid(), secs) : mem[k] = v = prefix + uuid();
    return v;
  };

  const send = (type, extraData, leaving, checkout) => {
    const ev = {
      websiteId: site, domain, href: L.href, referrer: d.referrer || null,
      viewport: { width: w.innerWidth, height: w.innerHeight }, type, extraData
    };
    if (hashRouting) ev.hashRouting = true;
    if (keep === 0) ev.cookieless = true;
    else ev.visitorId = ident(VISITOR, VID, "", YEAR), ev.sessionId = ident(SESSION, RegExp("^s" + UUID, "i"), "s", HALF_HOUR);
    const q = new URLSearchParams(L.search);
    for (const k of "gclid gclsrc wbraid gbraid li_fat_id fbclid msclkid ttclid twclid".split(" ")) {
      if (q.get(k)) (ev.adClickIds = ev.adClickIds || {})[k] = q.get(k);
    }
    log(type, ev);
    const body = JSON.stringify(ev), done = text => {
      let r = {};
      try { r = JSON.parse(text) || r; } catch (e) { /* not JSON */ }
      if (r.cookieless) forget();
      else if (keep !== 0 && ev.visitorId) {
        keep = 1;
        setCookie(VISITOR, ev.visitorId, YEAR);
        setCookie(SESSION, ev.sessionId, HALF_HOUR);
        if (checkout) session(s => { s[CHECKOUTS] = JSON.stringify(sent); });
      }
    };
    try {
      if (leaving && n.sendBeacon(ep, body)) return; // page unloading; the JSON goes as text/plain
    } catch (e) { /* no beacon */ }
    try {
      fetch(ep, { method: "POST", keepalive: true, headers: { "Content-Type": "application/json" }, credentials: "omit", body })
        .then(r => r.status == 200 && r.text().then(done)).catch(() => 0);
    } catch (e) {
      const x = new XMLHttpRequest();
      x.open("POST", ep);
      x.setRequestHeader("Content-Type", "application/json");
      x.onload = () => x.status == 200 && done(x.responseText);
      x.send(body);
    }
  };

  // Up to 10 params named a-z 0-9 _ - (1-64); values strings of up to 255 characters,
  // stripped of markup characters and script URLs unless raw.
  const params = (o, raw) => {
    const out = {};
    let c = 0;
    for (const k of Object.keys(typeof o == "object" && o || {})) {
      let v = o[k], was;
      if (v == null || !/^[a-z0-9_-]{1,64}$/.test(k.toLowerCase()) || c++ >= 10) { log("dropped", k); continue; }
      v = String(v);
      while (!raw && was != v) was = v, v = v.replace(/[<>'"&]|javascript:|data:|vbscript:|\bon\w+\s*=/gi, "");
      out[k.toLowerCase()] = v.slice(0, 255);
    }
    return out;
  };
  const call = (name, o) => {
    const g = String(name || "").trim().toLowerCase().replace(/\s+/g, "_"), user = o && o.user_id, email = String(o && o.email || "").trim();
    if (g == "identify") {
      if (user == null || user === "" || String(user).length > 255) return log("identify needs user_id");
      send(g, Object.assign(params(o, 1), { user_id: String(user), name: String(o.name || "").slice(0, 255) }));
    } else if (g == "payment") {
      if (/@/.test(email)) send(g, { email: email.slice(0, 255) });
    } else if (/^[a-z0-9_:-]{1,64}$/.test(g)) send("custom", Object.assign({ eventName: g }, params(o)));
    else console.warn("[openfast] bad goal name", name);
  };
  const datafast = (...a) => {
    try { call(...a); } catch (e) { log(e); }
  };

  // Checkout ids in the page URL, read as DataFast's script reads them, go once per session as a
  // payment event (a later step attributes the payment). Sent ids are remembered for the page, and
  // in sessionStorage once the server has said the website is not cookieless.
  const checkouts = () => {
    const q = new URLSearchParams(L.search), sid = q.get("session_id") || "";
    try {
      if (keep !== 0) for (const id of JSON.parse(session(s => s[CHECKOUTS]) || "[]")) sent.includes(id) || sent.push(String(id));
    } catch (e) { /* not a list */ }
    for (const [k, v] of [["stripe_session_id", /^cs_/.test(sid) && sid], ["polar_checkout_id", q.get("checkout_id")], ["lemonsqueezy_order_id", q.get("order_id")]]) {
      const id = k + "=" + v;
      if (!v || sent.includes(id)) continue;
      sent.push(id);
      send("payment", { [k]: v.slice(0, 255) }, 0, 1);
    }
  };

  let last, lastAt, timer, fired;
  const pageview = () => {
    if (L.href == last && now() - lastAt < 6e4) return;
    last = L.href;
    lastAt = now();
    fired = new WeakSet();
    send("pageview");
    checkouts();
    setTimeout(scroll, 300);
  };
  const navigated = () => {
    clearTimeout(timer);
    timer = setTimeout(pageview, 100);
  };
  for (const m of ["pushState", "replaceState"]) {
    const f = history[m];
    history[m] = function () {
      const before = L.href, r = f.apply(this, arguments);
      if (m == "pushState" || L.href != before) navigated(); // replaceState of the same URL only saves state
      return r;
    };
  }
  w.addEventListener("popstate", navigated);
  if (hashRouting) w.addEventListener("hashchange", navigated);

  // data-fast-scroll="name": once per page, when the threshold share of the element (of the
  // viewport, if the element is taller) is visible, and still is after the delay.
  const scroll = () => {
    for (const el of Array.from(d.querySelectorAll("[data-fast-scroll]"))) {
      const a = k => el.getAttribute("data-fast-scroll" + k), page = fired, t = parseFloat(a("-threshold"));
      const th = t >= 0 && t <= 1 ? t : 0.5, delay = +a("-delay") || 0, seen = () => {
        const r = el.getBoundingClientRect(), vh = w.innerHeight, h = Math.min(r.height, vh);
        return h > 0 ? (Math.min(r.bottom, vh) - Math.max(r.top, 0)) / h >= th : r.top >= 0 && r.top < vh;
      };
      if (page.has(el) || !seen()) continue;
      page.add(el);
      setTimeout(() => {
        if (page != fired) return;
        if (!seen()) return page.delete(el);
        const pct = Math.round((w.scrollY + w.innerHeight) * 100 / d.documentElement.scrollHeight);
        datafast(a(""), { scroll_percentage: Math.min(pct, 100), threshold: th, delay });
      }, delay);
    }
  };
  let throttle;
  w.addEventListener("scroll", () => { throttle = throttle || setTimeout(() => { throttle = 0; scroll(); }, 100); }, { passive: true });
  w.addEventListener("load", scroll);

  // data-fast-goal="name" and data-fast-goal-PARAM="value"; a form sends its fields too, except
  // passwords, hidden, file, button and card fields and unchecked boxes.
  const GOAL = "data-fast-goal", goalOf = (el, form) => {
    const p = {};
    for (const a of Array.from(el.attributes)) if (!a.name.indexOf(GOAL + "-")) p[a.name.slice(15)] = a.value;
    for (const f of form ? Array.from(el.elements) : []) {
      if (f.name && !f.disabled && !(f.name.toLowerCase() in p) && !/^(password|hidden|file|submit|button|reset|image|fieldset)$/i.test(f.type) &&
        !/^cc-/.test(f.autocomplete) && (f.checked || !/^(checkbox|radio)$/i.test(f.type))) p[f.name] = f.value;
    }
    datafast(el.getAttribute(GOAL), p);
  };
  const on = (type, f) => d.addEventListener(type, e => { try { f(e.target, e); } catch (err) { log(err); } }, true);
  on("click", (t, e) => {
    const el = t.closest("[" + GOAL + "]"), a = t.closest("a[href]");
    if (el && el.tagName != "FORM") goalOf(el);
    const u = a && new URL(a.getAttribute("href"), L.href), ext = u && (u.pathname.match(/\.(\w+)$/) || [])[1];
    const leaving = a && /^(_self|_top|_parent|)$/i.test(a.target || "") && !(e.ctrlKey || e.metaKey || e.shiftKey);
    if (!u || !/^https?:$/.test(u.protocol)) return;
    // A download is a file_download goal (not an external_link) with the file's URL, without
    // its query or fragment.
    if (downloads && ext && extensions.includes(ext.toLowerCase())) {
      send("custom", Object.assign({ eventName: "file_download" }, params({ url: u.origin + u.pathname })), leaving);
    } else if (u.hostname != L.hostname) {
      send("external_link", { url: u.href, text: (a.innerText || a.textContent || "").trim().slice(0, 255) }, leaving);
    }
  });
  // Native controls turn Enter and Space into a click already.
  on("keydown", (t, e) => {
    if (/^(Enter| )$/.test(e.key) && !e.repeat && t.hasAttribute(GOAL) && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA|SUMMARY|FORM)$/.test(t.tagName)) goalOf(t);
  });
  on("submit", t => t.hasAttribute(GOAL) && goalOf(t, 1));

  w.datafast = datafast;
  pageview();
  for (const a of Array.from(queued || [])) datafast(...a);
})();
