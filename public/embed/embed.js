/* Fundraiser banner for a host page: one <script src=".../embed.js" async> tag.
   Renders into a shadow root (no CSS or JS leaks either way), reads the live figures,
   and stays hidden after "close" (some days) or after a gift (the rest of the campaign). */
(function () {
  var script = document.currentScript;
  if (!script || !window.fetch || !Element.prototype.attachShadow) return;
  var base = new URL(script.src).origin;
  var key = 'fundraiser-banner:' + base;
  var now = Date.now();

  function hiddenUntil() {
    try {
      var rec = JSON.parse(localStorage.getItem(key) || 'null');
      return rec && rec.until > now ? rec : null;
    } catch (e) {
      return null;
    }
  }
  function hide(reason, until) {
    try {
      localStorage.setItem(key, JSON.stringify({ reason: reason, at: now, until: until }));
    } catch (e) {}
  }

  // Back from a gift: the thank-you page links here with #fundraiser-thanks=<until, ms>.
  var m = /(^#|&)fundraiser-thanks=(\d+)/.exec(location.hash);
  if (m) {
    hide('gift', Number(m[2]));
    // Remove only our part of the hash, and keep the page's own history state.
    var rest = location.hash
      .replace(/(^#|&)fundraiser-thanks=\d+/, '$1')
      .replace(/^#&/, '#')
      .replace(/^#$/, '');
    history.replaceState(history.state, '', location.pathname + location.search + rest);
  }
  if (hiddenUntil()) return;

  fetch(base + '/embed/banner.json', { credentials: 'omit' })
    .then(function (r) {
      return r.ok ? r.json() : null;
    })
    .then(function (b) {
      if (b && !hiddenUntil()) render(b);
    })
    .catch(function () {});

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }

  function render(b) {
    if (!document.body)
      return void document.addEventListener('DOMContentLoaded', function () {
        render(b);
      });
    var host = el('div', { 'data-fundraiser-banner': '' });
    var target = document.querySelector('[data-fundraiser]');
    if (target) target.appendChild(host);
    else if (script.parentNode && script.parentNode !== document.head) script.parentNode.insertBefore(host, script);
    else document.body.insertBefore(host, document.body.firstChild);
    var root = host.attachShadow({ mode: 'open' });
    var style = el('style');
    style.textContent =
      ':host{all:initial;display:block}' +
      '.b{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#fbfaf7;' +
      'border:1px solid #d9d6cf;border-radius:10px;padding:12px 44px 12px 14px;position:relative;margin:8px 0}' +
      '.t{margin:0 0 8px}.f{margin:0 0 4px;font-size:14px}.f strong{font-size:17px}' +
      '.bar{height:10px;background:#e8e5de;border-radius:99px;overflow:hidden;margin:0 0 10px}.fill{height:100%;background:#2e7d5b}' +
      '.a{display:flex;flex-wrap:wrap;gap:8px}.a a{display:inline-block;padding:8px 16px;border-radius:8px;' +
      'background:#1f5f8b;color:#fff;font-weight:700;text-decoration:none}' +
      '.a a.o{background:#fff;color:#1f5f8b;border:1px solid #1f5f8b}.a a:focus-visible,.x:focus-visible{outline:3px solid #1d2330;outline-offset:2px}' +
      '.x{position:absolute;top:6px;right:6px;width:32px;height:32px;border:0;background:transparent;' +
      'font-size:22px;line-height:1;cursor:pointer;color:#4a5263;border-radius:6px}';
    var box = el('section', { class: 'b', 'aria-label': b.label });
    box.appendChild(el('p', { class: 't' }, b.text));
    var fig = el('p', { class: 'f' });
    fig.appendChild(el('strong', {}, b.raisedText));
    fig.appendChild(document.createTextNode(' ' + b.ofGoalText));
    box.appendChild(fig);
    var bar = el('div', {
      class: 'bar',
      role: 'progressbar',
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': String(b.barPercent),
      'aria-label': b.label,
    });
    var fill = el('div', { class: 'fill' });
    fill.style.width = b.barPercent + '%';
    bar.appendChild(fill);
    box.appendChild(bar);
    var acts = el('div', { class: 'a' });
    b.links.forEach(function (l, i) {
      acts.appendChild(el('a', { href: l.href, target: '_top', class: i ? 'o' : '' }, l.text));
    });
    box.appendChild(acts);
    var close = el('button', { class: 'x', type: 'button', 'aria-label': b.closeLabel }, '\u00d7');
    close.addEventListener('click', function () {
      hide('close', Date.now() + b.closeDays * 864e5);
      host.remove();
    });
    box.appendChild(close);
    root.appendChild(style);
    root.appendChild(box);
  }
})();
