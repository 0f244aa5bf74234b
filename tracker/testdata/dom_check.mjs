// Behavioural check of tracker/script.js in a minimal fake browser built from plain objects
// (no packages). Run by TestScriptInDOM: `node testdata/dom_check.mjs [script]` (script.js by
// default, or a minified build); exits 1 on failure.
import vm from "node:vm";
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";

const scriptFile = process.argv[2] || new URL("../script.js", import.meta.url);
const source = readFileSync(scriptFile, "utf8");
const sleep = ms => new Promise(r => setTimeout(r, ms));
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SESSION = /^s[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let failures = 0;
const check = (ok, what, detail) => {
  if (ok) console.log("ok   " + what);
  else {
    failures++;
    console.log("FAIL " + what + (detail === undefined ? "" : "\n     got: " + JSON.stringify(detail)));
  }
};
// canon: JSON with object keys sorted, so comparisons ignore key order.
const canon = v => JSON.stringify(v, (k, x) => x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a < b ? -1 : 1)) : x);
const same = (got, want, what) => check(canon(got) === canon(want), what + " = " + JSON.stringify(want), got);

// A fake element: attributes, a parent chain, closest/matches for "[attr]" and "tag[attr]".
class El {
  constructor(tag, attrs = {}, parent = null, props = {}) {
    this.tagName = tag.toUpperCase();
    this.attrs = { ...attrs };
    this.parentElement = parent;
    this.rect = { top: 5000, bottom: 5100, height: 100 };
    Object.assign(this, props);
  }
  getAttribute(n) { return n in this.attrs ? String(this.attrs[n]) : null; }
  hasAttribute(n) { return n in this.attrs; }
  get attributes() { return Object.entries(this.attrs).map(([name, value]) => ({ name, value: String(value) })); }
  get target() { return this.attrs.target || ""; }
  matches(sel) {
    const m = /^([a-z]*)\[([\w-]+)\]$/.exec(sel);
    if (!m) throw new Error("fake selector not supported: " + sel);
    return (!m[1] || this.tagName === m[1].toUpperCase()) && this.hasAttribute(m[2]);
  }
  closest(sel) {
    for (let e = this; e; e = e.parentElement) if (e.matches(sel)) return e;
    return null;
  }
  getBoundingClientRect() { return { ...this.rect }; }
}

// env builds one fake page and runs the tracker in it.
function env({
  url = "https://www.example.com/pricing?gclid=abc123&utm_source=news",
  attrs = { "data-website-id": "dfid_test", "data-domain": "example.com" },
  src = "https://stats.example.net/js/script.js",
  ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
  webdriver = false, framed = false, ignore = false, currentScript = true, randomUUID = true,
  withFetch = true, queue = [], extraGlobals = {}, code = source, firstResponse = "{}",
  sessionStorage = Object.create({ removeItem(k) { delete this[k]; } })
} = {}) {
  const fetches = [], beacons = [], xhrs = [], cookieWrites = [], logs = [], jar = new Map();
  const winListeners = {}, docListeners = {};
  const loc = {};
  const setURL = u => {
    const x = new URL(u, loc.href || undefined);
    Object.assign(loc, { href: x.href, protocol: x.protocol, host: x.host, hostname: x.hostname, origin: x.origin, pathname: x.pathname, search: x.search, hash: x.hash });
  };
  setURL(url);
  const script = new El("script", { src, ...attrs });
  Object.defineProperty(script, "src", { get: () => new URL(src, loc.href).href });
  const elements = [script];
  const add = el => (elements.push(el), el);
  const document = {
    currentScript: currentScript ? script : null,
    referrer: "https://www.google.com/",
    documentElement: { scrollHeight: 3000 },
    body: { scrollHeight: 3000 },
    querySelectorAll: sel => elements.filter(e => e.matches(sel)),
    addEventListener: (t, f) => (docListeners[t] = docListeners[t] || []).push(f),
    get cookie() { return [...jar].map(([k, v]) => k + "=" + v).join("; "); },
    set cookie(s) {
      cookieWrites.push(s);
      const [kv, ...parts] = s.split(/;\s*/);
      const [k, v] = kv.split("=");
      const opts = Object.fromEntries(parts.map(p => p.split("=")).map(([a, b]) => [a.toLowerCase(), b === undefined ? true : b]));
      if (opts.domain) {
        const dom = opts.domain.replace(/^\./, "");
        if (loc.hostname !== dom && !loc.hostname.endsWith("." + dom)) return; // the browser refuses it
      }
      if (opts["max-age"] !== undefined && Number(opts["max-age"]) <= 0) jar.delete(k);
      else jar.set(k, v);
    }
  };
  const crypto = {
    getRandomValues: a => webcrypto.getRandomValues(a),
    ...(randomUUID ? { randomUUID: () => webcrypto.randomUUID() } : {})
  };
  let response = () => firstResponse;
  const win = {
    document, location: loc, crypto, console: {
      log: (...a) => logs.push(["log", ...a]), warn: (...a) => logs.push(["warn", ...a]), error: (...a) => logs.push(["error", ...a])
    },
    navigator: { userAgent: ua, webdriver, sendBeacon: (u, body) => (beacons.push({ url: u, body: JSON.parse(body) }), true) },
    localStorage: ignore ? { datafast_ignore: "true" } : {}, sessionStorage,
    history: {
      pushState: (s, t, u) => u != null && setURL(u),
      replaceState: (s, t, u) => u != null && setURL(u)
    },
    innerWidth: 1280, innerHeight: 800, scrollY: 0,
    addEventListener: (t, f) => (winListeners[t] = winListeners[t] || []).push(f),
    URL, URLSearchParams, setTimeout, clearTimeout, Promise, WeakSet,
    XMLHttpRequest: class {
      open(method, u) { this.method = method; this.url = u; this.headers = {}; }
      setRequestHeader(k, v) { this.headers[k] = v; }
      send(body) {
        xhrs.push({ url: this.url, method: this.method, headers: this.headers, body: JSON.parse(body) });
        this.status = 200;
        this.responseText = response();
        setTimeout(() => this.onload && this.onload(), 0);
      }
    },
    ...extraGlobals
  };
  if (withFetch) {
    win.fetch = (u, opts) => {
      fetches.push({ url: u, opts, body: JSON.parse(opts.body) });
      const text = response();
      return Promise.resolve({ status: 200, text: () => Promise.resolve(text) });
    };
  }
  win.window = win;
  win.self = win;
  win.top = framed ? {} : win;
  const ctx = vm.createContext(win);
  // The DataFast snippet's queue stub, then calls made before the script loads.
  vm.runInContext('window.datafast = window.datafast || function () { (window.datafast.q = window.datafast.q || []).push(arguments); };', ctx);
  for (const args of queue) win.datafast(...args);
  vm.runInContext(code, ctx, { filename: "script.js" });
  return {
    win, loc, setURL, fetches, beacons, xhrs, cookieWrites, logs, jar, add, El,
    respond: f => { response = f; },
    fireWin: (t, e = {}) => (winListeners[t] || []).forEach(f => f(e)),
    fireDoc: (t, e) => (docListeners[t] || []).forEach(f => f(e)),
    customs: () => fetches.filter(f => f.body.type === "custom").map(f => f.body.extraData)
  };
}

// 1. Pageview on load, the payload, cookies, the queue.
{
  const p = env({ queue: [["early_goal", { source: "queue" }]] });
  await sleep(20);
  check(p.fetches.length === 2, "load sends a pageview and the queued call", p.fetches.map(f => f.body));
  const pv = p.fetches[0];
  same(pv.url, "https://stats.example.net/api/events", "endpoint defaults to the script's origin");
  same({ method: pv.opts.method, keepalive: pv.opts.keepalive, credentials: pv.opts.credentials, headers: pv.opts.headers },
    { method: "POST", keepalive: true, credentials: "omit", headers: { "Content-Type": "application/json" } }, "fetch options");
  const b = pv.body;
  same(Object.keys(b).sort(), ["adClickIds", "domain", "href", "referrer", "sessionId", "type", "viewport", "visitorId", "websiteId"], "pageview keys");
  same(b.type, "pageview", "type");
  same(b.websiteId, "dfid_test", "websiteId");
  same(b.domain, "example.com", "domain");
  same(b.href, "https://www.example.com/pricing?gclid=abc123&utm_source=news", "href");
  same(b.referrer, "https://www.google.com/", "referrer");
  same(b.viewport, { width: 1280, height: 800 }, "viewport");
  check(typeof b.viewport.width === "number" && typeof b.viewport.height === "number", "viewport sizes are numbers");
  check(UUID4.test(b.visitorId), "visitorId is a UUID v4", b.visitorId);
  check(SESSION.test(b.sessionId), "sessionId is s + UUID v4", b.sessionId);
  same(b.adClickIds, { gclid: "abc123" }, "adClickIds");
  same(p.fetches[1].body.extraData, { eventName: "early_goal", source: "queue" }, "queued call replayed");
  same(p.fetches[1].body.visitorId, b.visitorId, "same visitor on the next event");
  same(p.fetches[1].body.sessionId, b.sessionId, "same session on the next event");
  const vw = p.cookieWrites.find(c => c.startsWith("datafast_visitor_id="));
  same(vw, "datafast_visitor_id=" + b.visitorId + "; max-age=31536000; path=/; domain=.example.com; SameSite=Lax; Secure", "visitor cookie");
  const sw = p.cookieWrites.filter(c => c.startsWith("datafast_session_id="));
  same(sw[0], "datafast_session_id=" + b.sessionId + "; max-age=1800; path=/; domain=.example.com; SameSite=Lax; Secure", "session cookie");
  check(sw.length == 2, "cookies written after each 200 response, not before the first", sw.length);

  // 2. Custom goals and sanitizing.
  p.win.datafast("signup", { plan: "Pro<script>" });
  same(p.customs().pop(), { eventName: "signup", plan: "Proscript" }, "custom goal, sanitized param");
  p.win.datafast("no_params", "not an object");
  same(p.customs().pop(), { eventName: "no_params" }, "params that are no object are ignored");
  p.win.datafast("Sign Up", {
    a: 1, UPPER: "v", js: "javascript:alert(1)", html: "<img src=x onerror=alert(1)>", nested: "jajavascript:vascript:x",
    quote: `it's "fine" & ok`, long: "x".repeat(300), nil: null, "Bad Name!": "dropped"
  });
  same(p.customs().pop(), {
    eventName: "sign_up", a: "1", upper: "v", js: "alert(1)", html: "img src=x alert(1)", nested: "x",
    quote: "its fine  ok", long: "x".repeat(255)
  }, "goal name normalized, params lowercased, stringified, stripped, cut to 255");
  const many = {};
  for (let i = 1; i <= 12; i++) many["p" + i] = i;
  p.win.datafast("many", many);
  same(Object.keys(p.customs().pop()).length, 11, "at most 10 params (plus eventName)");
  const before = p.fetches.length;
  p.win.datafast("bad name!", {});
  p.win.datafast();
  p.win.datafast("x".repeat(65));
  p.win.datafast("identify", { name: "no id" });
  p.win.datafast("payment", { email: "not an email" });
  check(p.fetches.length === before, "invalid goal names, identify without user_id and payment without email send nothing");
  check(p.logs.some(l => l[0] === "warn" && /bad goal name/.test(l[2] + l[1])), "bad goal names are reported", p.logs);

  // 3. identify and payment.
  p.win.datafast("identify", { user_id: "u_1", name: "Ann O'Neil", plan: "pro" });
  let last = p.fetches[p.fetches.length - 1].body;
  same([last.type, last.extraData], ["identify", { plan: "pro", user_id: "u_1", name: "Ann O'Neil" }], "identify");
  p.win.datafast("identify", { user_id: "u&1", name: "Ann & Bob", avatar: "https://img.example.com/a.png?w=64&h=64" });
  last = p.fetches[p.fetches.length - 1].body;
  same(last.extraData, { user_id: "u&1", name: "Ann & Bob", avatar: "https://img.example.com/a.png?w=64&h=64" }, "identify keeps & in its values");
  p.win.datafast("identify", { user_id: 42 });
  last = p.fetches[p.fetches.length - 1].body;
  same(last.extraData, { user_id: "42", name: "" }, "identify with a number id and no name");
  p.win.datafast("payment", { email: "buyer@example.com" });
  last = p.fetches[p.fetches.length - 1].body;
  same([last.type, last.extraData], ["payment", { email: "buyer@example.com" }], "payment");

  // 4. The website turns cookieless: the answer says so, the cookies go, and nothing is stored
  // again, whatever later answers say; events carry no ids but cookieless: true.
  const serverId = webcrypto.randomUUID();
  p.respond(() => JSON.stringify({ status: "success", visitorId: serverId, cookieless: true }));
  p.win.datafast("cookieless_check");
  await sleep(20);
  same([...p.jar.keys()], [], "a cookieless answer deletes the cookies");
  check(p.cookieWrites.includes("datafast_visitor_id=; max-age=0; path=/; domain=.example.com") &&
    p.cookieWrites.includes("datafast_session_id=; max-age=0; path=/"), "deleted with and without the cookie domain", p.cookieWrites.slice(-4));
  p.respond(() => "{}");
  const writes = p.cookieWrites.length;
  p.win.datafast("after_cookieless");
  await sleep(20);
  last = p.fetches[p.fetches.length - 1].body;
  check(last.cookieless === true && !("visitorId" in last) && !("sessionId" in last), "cookieless events carry no ids", last);
  same(p.cookieWrites.length, writes, "no cookie written after a cookieless answer");
  same(Object.keys(p.win.localStorage), [], "nothing in localStorage");

  // 5. SPA navigation.
  const pageviews = () => p.fetches.filter(f => f.body.type === "pageview").map(f => f.body.href);
  p.win.history.pushState({}, "", "/a");
  p.win.history.pushState({}, "", "/docs");
  await sleep(50);
  same(pageviews().length, 1, "no pageview before the 100 ms debounce");
  await sleep(120);
  same(pageviews(), ["https://www.example.com/pricing?gclid=abc123&utm_source=news", "https://www.example.com/docs"], "pushState: one debounced pageview");
  const nav = p.fetches[p.fetches.length - 1].body;
  check(!("adClickIds" in nav) && !("extraData" in nav), "no adClickIds or extraData keys when there are none", nav);
  p.win.history.pushState({}, "", "/docs");
  await sleep(150);
  same(pageviews().length, 2, "same URL within 60 s is skipped");
  p.win.history.replaceState({ scroll: 1 }, "");
  await sleep(150);
  same(pageviews().length, 2, "replaceState keeping the URL is not a navigation");
  p.win.history.replaceState({}, "", "/docs?tab=2");
  await sleep(150);
  same(pageviews()[2], "https://www.example.com/docs?tab=2", "replaceState to a new URL is a pageview");
  p.setURL("/pricing");
  p.fireWin("popstate");
  await sleep(150);
  same(pageviews()[3], "https://www.example.com/pricing", "popstate is a pageview");

  // 6. data-fast-goal clicks, keys and forms.
  const button = p.add(new El("button", { "data-fast-goal": "CTA Click", "data-fast-goal-position": "hero" }));
  const span = p.add(new El("span", {}, button));
  p.fireDoc("click", { target: span });
  same(p.customs().pop(), { eventName: "cta_click", position: "hero" }, "click on a goal element (via a child)");
  let n = p.fetches.length;
  p.fireDoc("keydown", { target: button, key: "Enter" });
  check(p.fetches.length === n, "Enter on a native button is left to its click");
  const div = p.add(new El("div", { "data-fast-goal": "open_menu", tabindex: "0" }));
  p.fireDoc("keydown", { target: div, key: " " });
  same(p.customs().pop(), { eventName: "open_menu" }, "Space on a focused goal element");
  p.fireDoc("keydown", { target: div, key: "a" });
  check(p.fetches.length === n + 1, "other keys send nothing");
  const form = p.add(new El("form", { "data-fast-goal": "contact", "data-fast-goal-source": "footer" }));
  const field = (type, name, value, props = {}) => new El("input", { type, name }, form, { type, name, value, ...props });
  form.elements = [
    field("email", "Email", "buyer@example.com"), field("password", "password", "hunter2"), field("hidden", "csrf", "t0ken"),
    field("file", "cv", "C:\\fakepath\\cv.pdf"), field("checkbox", "news", "yes", { checked: false }),
    field("checkbox", "terms", "yes", { checked: true }), field("text", "card", "4242424242424242", { autocomplete: "cc-number" }),
    field("text", "Source", "overridden"), field("submit", "go", "Send")
  ];
  n = p.fetches.length;
  p.fireDoc("click", { target: form.elements[8] });
  check(p.fetches.length === n, "a click inside a goal form waits for submit");
  p.fireDoc("submit", { target: form });
  same(p.customs().pop(), { eventName: "contact", source: "footer", email: "buyer@example.com", terms: "yes" }, "form submit with its fields");

  // 7. External links.
  n = p.fetches.length;
  const ext = p.add(new El("a", { href: "https://other.org/page?x=1", target: "_blank" }, null, { textContent: "  Other site " }));
  p.fireDoc("click", { target: ext });
  last = p.fetches[p.fetches.length - 1].body;
  same([last.type, last.extraData], ["external_link", { url: "https://other.org/page?x=1", text: "Other site" }], "external link in a new tab (fetch)");
  const leave = p.add(new El("a", { href: "https://docs.other.org/" }, null, { textContent: "Docs" }));
  p.fireDoc("click", { target: leave });
  same(p.beacons.map(b => [b.url, b.body.type, b.body.extraData]), [["https://stats.example.net/api/events", "external_link", { url: "https://docs.other.org/", text: "Docs" }]],
    "external link leaving the page goes by sendBeacon");
  for (const href of ["/internal", "https://www.example.com/x", "mailto:a@b.c", "#top"]) {
    p.fireDoc("click", { target: p.add(new El("a", { href }, null, { textContent: "in" })) });
  }
  check(p.fetches.length === n + 1 && p.beacons.length === 1, "internal, mailto and fragment links are no external_link");
  p.fireDoc("click", { target: p.add(new El("a", { href: "http://[broken", "data-fast-goal": "broken_link" })) });
  same(p.customs().pop(), { eventName: "broken_link" }, "a goal on a link with an unparsable href");

  // 8. Scroll goals.
  const box = p.add(new El("section", { "data-fast-scroll": "pricing_seen", "data-fast-scroll-threshold": "0.5", "data-fast-scroll-delay": "50" }));
  n = p.fetches.length;
  p.fireWin("scroll");
  await sleep(400); // past the scroll check that follows each pageview, too
  check(p.fetches.length === n, "no scroll goal while the element is off screen");
  box.rect = { top: 500, bottom: 700, height: 200 };
  p.win.scrollY = 1000;
  p.fireWin("scroll");
  await sleep(120);
  check(p.fetches.length === n, "scroll goal waits for its delay");
  await sleep(80);
  same(p.customs().pop(), { eventName: "pricing_seen", scroll_percentage: "60", threshold: "0.5", delay: "50" }, "scroll goal");
  p.fireWin("scroll");
  await sleep(250);
  check(p.fetches.length === n + 1, "scroll goal fires once per page");
  const late = p.add(new El("div", { "data-fast-scroll": "footer_seen", "data-fast-scroll-threshold": "1", "data-fast-scroll-delay": "150" }));
  late.rect = { top: 600, bottom: 700, height: 100 };
  p.fireWin("scroll");
  await sleep(150);
  late.rect = { top: 900, bottom: 1000, height: 100 };
  await sleep(200);
  check(p.fetches.length === n + 1, "no scroll goal when the element left the screen before the delay");
  late.rect = { top: 100, bottom: 200, height: 100 };
  p.fireWin("scroll");
  await sleep(350);
  same(p.customs().pop(), { eventName: "footer_seen", scroll_percentage: "60", threshold: "1", delay: "150" }, "scroll goal fires once back on screen");
}

// 4b. A cookieless website from the first event: nothing is ever written, the first event's ids are
// the page's only.
{
  const p = env({ firstResponse: JSON.stringify({ status: "success", cookieless: true }), queue: [["early"]] });
  await sleep(20);
  check(p.fetches.length === 2 && UUID4.test(p.fetches[0].body.visitorId), "ids in memory until the first answer", p.fetches.map(f => f.body));
  p.win.datafast("later");
  await sleep(20);
  check(p.fetches[2].body.cookieless === true && !("visitorId" in p.fetches[2].body), "later events are cookieless", p.fetches[2].body);
  same(p.cookieWrites.filter(c => !/=; max-age=0;/.test(c)), [], "no cookie set on a cookieless website");
  same([...p.jar.keys()], [], "no cookie left");
}

// 4c. script.cookieless.js: never stores, whatever the answers, and says cookieless from the start.
if (process.argv[3]) {
  const p = env({ code: readFileSync(process.argv[3], "utf8"), queue: [["early"]] });
  await sleep(20);
  p.win.datafast("later");
  await sleep(20);
  check(p.fetches.length === 3 && p.fetches.every(f => f.body.cookieless === true && !("visitorId" in f.body) && !("sessionId" in f.body)),
    "the cookieless script sends cookieless events without ids", p.fetches.map(f => f.body));
  same(p.cookieWrites.filter(c => !/=; max-age=0;/.test(c)), [], "the cookieless script sets no cookie");
  same([Object.keys(p.win.localStorage), Object.keys(p.win.sessionStorage)], [[], []], "the cookieless script writes no localStorage or sessionStorage");
}

// 4d. Checkout ids in the URL: one payment event each, once per session (sessionStorage with
// cookies, the page's memory on a cookieless website).
{
  const url = "https://www.example.com/thanks?session_id=cs_test_a1&checkout_id=9f1c&order_id=42";
  const payments = p => p.fetches.filter(f => f.body.type === "payment").map(f => f.body.extraData);
  const p = env({ url });
  await sleep(20);
  same(payments(p), [{ stripe_session_id: "cs_test_a1" }, { polar_checkout_id: "9f1c" }, { lemonsqueezy_order_id: "42" }], "checkout ids sent as payments");
  same(JSON.parse(p.win.sessionStorage.datafast_checkouts).length, 3, "sent checkout ids remembered for the session");
  p.win.history.pushState({}, "", "/thanks?session_id=cs_test_a1&x=1");
  await sleep(150);
  same(payments(p).length, 3, "not sent again on the page");
  const again = env({ url, sessionStorage: p.win.sessionStorage });
  await sleep(20);
  same([payments(again).length, again.fetches.length], [0, 1], "not sent again on a new page of the session");
  const other = env({ url: "https://www.example.com/thanks?session_id=not_stripe&checkout_id=" });
  await sleep(20);
  same(payments(other), [], "no checkout id: a session_id not starting with cs_, an empty checkout_id");
  const cl = env({ url, firstResponse: JSON.stringify({ status: "success", cookieless: true }) });
  await sleep(20);
  cl.win.history.pushState({}, "", "/thanks?session_id=cs_test_a1&y=2");
  await sleep(150);
  same([payments(cl).length, Object.keys(cl.win.sessionStorage)], [3, []], "cookieless: sent once per page, nothing stored");
}

// 4e. Opt-in features: hash routing, file downloads, and the 404 goal.
{
  const attrs = { "data-website-id": "dfid_test", "data-domain": "example.com" };
  const plain = env({ url: "https://www.example.com/app#/home" });
  await sleep(20);
  check(!("hashRouting" in plain.fetches[0].body), "no hashRouting flag by default", plain.fetches[0].body);
  plain.setURL("#/settings");
  plain.fireWin("hashchange");
  await sleep(150);
  same(plain.fetches.length, 1, "a hash change is no pageview by default");
  const pdf = plain.add(new El("a", { href: "/files/Guide.pdf" }));
  plain.fireDoc("click", { target: pdf });
  same(plain.fetches.length, 1, "no download goal by default");
  plain.win.datafast("404");
  same(plain.customs().pop(), { eventName: "404" }, "window.datafast(\"404\") is the 404 goal");

  const h = env({ url: "https://www.example.com/app#/home", attrs: { ...attrs, "data-hash-routing": "true" } });
  await sleep(20);
  h.setURL("#/settings");
  h.fireWin("hashchange");
  await sleep(150);
  same(h.fetches.map(f => [f.body.type, f.body.href, f.body.hashRouting]),
    [["pageview", "https://www.example.com/app#/home", true], ["pageview", "https://www.example.com/app#/settings", true]], "data-hash-routing: a hash change is a pageview");

  const d = env({ attrs: { ...attrs, "data-track-downloads": "true" } });
  await sleep(20);
  const link = (href, target) => d.add(new El("a", { href, ...(target ? { target } : {}) }, null, { textContent: "file" }));
  d.fireDoc("click", { target: link("/files/Guide.PDF?v=2#p3", "_blank") });
  same(d.customs().pop(), { eventName: "file_download", url: "https://www.example.com/files/Guide.PDF" }, "download goal, without query or fragment");
  const n = d.fetches.length;
  d.fireDoc("click", { target: link("/files/readme.html") });
  d.fireDoc("click", { target: link("/pdf") });
  same(d.fetches.length, n, "other extensions send nothing");
  d.fireDoc("click", { target: link("https://cdn.other.org/app.dmg") });
  same(d.beacons.map(b => [b.body.type, b.body.extraData]), [["custom", { eventName: "file_download", url: "https://cdn.other.org/app.dmg" }]],
    "a download on another host is a download (by beacon when leaving), not an external link");

  const z = env({ attrs: { ...attrs, "data-track-downloads": "zip, .epub" } });
  await sleep(20);
  for (const f of ["a.pdf", "b.zip", "c.EPUB"]) z.fireDoc("click", { target: z.add(new El("a", { href: "/" + f, target: "_blank" })) });
  same(z.customs().map(c => c.url), ["https://www.example.com/b.zip", "https://www.example.com/c.EPUB"], "data-track-downloads lists the extensions");
}

// 9. Variants: endpoint override and currentScript fallback, no randomUUID, plain http, foreign
// host (no cookie domain), no fetch (XMLHttpRequest).
{
  const p = env({
    url: "http://preview.example.dev/", currentScript: false, randomUUID: false, withFetch: false,
    attrs: { "data-website-id": "dfid_test", "data-domain": "example.com", "data-api-url": "https://api.example.org/some/path" }
  });
  await sleep(20);
  same(p.xhrs.map(x => [x.url, x.method, x.headers, x.body.type]),
    [["https://api.example.org/api/events", "POST", { "Content-Type": "application/json" }, "pageview"]],
    "found without currentScript; data-api-url origin; XMLHttpRequest without fetch");
  check(UUID4.test(p.xhrs[0].body.visitorId), "UUID v4 from getRandomValues", p.xhrs[0].body.visitorId);
  same(p.cookieWrites[0], "datafast_visitor_id=" + p.xhrs[0].body.visitorId + "; max-age=31536000; path=/; SameSite=Lax",
    "no cookie domain off data-domain, no Secure on http");
  check(!("adClickIds" in p.xhrs[0].body), "no adClickIds without click ids");
}

// 10. Nothing is sent when tracking is off; window.datafast still accepts calls.
const offCases = [
  ["navigator.webdriver", { webdriver: true }],
  ["localhost", { url: "http://localhost:3000/" }],
  ["127.0.0.1", { url: "http://127.0.0.1:8080/" }],
  ["[::1]", { url: "http://[::1]:8080/" }],
  ["*.local", { url: "http://shop.local/" }],
  ["*.localhost", { url: "http://app.localhost/" }],
  ["file:", { url: "file:///home/me/index.html" }],
  ["iframe", { framed: true }],
  ["datafast_ignore", { ignore: true }],
  ["missing data-domain", { attrs: { "data-website-id": "dfid_test" } }],
  ["missing data-website-id", { attrs: { "data-domain": "example.com" } }],
  ["headless user agent", { ua: "Mozilla/5.0 HeadlessChrome/126.0" }],
  ["crawler user agent", { ua: "Mozilla/5.0 (compatible; Googlebot/2.1)" }],
  ["window.callPhantom", { extraGlobals: { callPhantom: () => 0 } }]
];
for (const [name, opts] of offCases) {
  const p = env({ ...opts, queue: [["queued_goal"]] });
  let threw = false;
  try { p.win.datafast("signup", { plan: "pro" }); } catch (e) { threw = true; }
  p.win.history.pushState && p.win.history.pushState({}, "", "/next");
  await sleep(130);
  check(!threw && typeof p.win.datafast === "function" && p.fetches.length + p.xhrs.length + p.beacons.length === 0,
    "off for " + name, p.fetches.map(f => f.body));
}
{
  const p = env({ url: "http://localhost:3000/", attrs: { "data-website-id": "dfid_test", "data-domain": "localhost", "data-allow-localhost": "true" } });
  await sleep(10);
  same(p.fetches.map(f => f.body.type), ["pageview"], "data-allow-localhost tracks localhost");
}
{
  const p = env({ framed: true, attrs: { "data-website-id": "dfid_test", "data-domain": "example.com", "data-debug": "true" } });
  await sleep(10);
  same(p.fetches.map(f => f.body.type), ["pageview"], "data-debug tracks inside an iframe");
  check(p.logs.some(l => l[0] === "log" && l[1] === "[openfast]" && l[2] === "pageview"), "data-debug logs what it sends", p.logs);
}
{
  const p = env({ url: "file:///home/me/index.html", attrs: { "data-website-id": "dfid_test", "data-domain": "example.com", "data-allow-file-protocol": "true", "data-api-url": "https://stats.example.net" } });
  await sleep(10);
  same(p.fetches.map(f => [f.url, f.body.type]), [["https://stats.example.net/api/events", "pageview"]], "data-allow-file-protocol tracks file: pages");
}

console.log(failures ? failures + " check(s) failed" : "all checks passed");
process.exit(failures ? 1 : 0);
