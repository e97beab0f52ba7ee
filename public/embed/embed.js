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

  // The banner's words come with its figures, in the reader's language (Accept-Language), or in
  // the one the host names: <script src=".../embed.js" data-lang="de">.
  var lang = script.getAttribute('data-lang');
  fetch(base + '/embed/banner.json' + (lang ? '?lang=' + encodeURIComponent(lang) : ''), { credentials: 'omit' })
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
    var blue = '#1f5f8b';
    style.textContent =
      ':host{all:initial;display:block;container-type:inline-size}' +
      '.b{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#fbfaf7;' +
      'border:1px solid #d9d6cf;border-radius:10px;padding:12px 44px 10px 14px;position:relative;margin:8px 0}' +
      'h2{margin:0 0 4px;font-size:17px;line-height:1.3}.t{margin:0 0 8px}.f{margin:0 0 4px;font-size:14px}.f strong{font-size:17px}' +
      '.bar{height:10px;background:#e8e5de;border-radius:99px;overflow:hidden;margin:0 0 10px}.fill{height:100%;background:#2e7d5b}' +
      'fieldset{border:0;margin:0 0 8px;padding:0;display:flex;flex-wrap:wrap;gap:6px}' +
      'legend{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}' +
      'label{position:relative}label[hidden]{display:none}label input{position:absolute;inset:0;width:100%;height:100%;margin:0;opacity:0;cursor:pointer}' +
      'label>span{display:inline-block;min-width:44px;padding:6px 12px;border:1px solid ' +
      blue +
      ';border-radius:8px;background:#fff;color:' +
      blue +
      ';font-weight:600;text-align:center}' +
      '.q label>span{border-radius:99px;font-weight:500}input:checked+span{background:' +
      blue +
      ';color:#fff}.m{font-weight:400;font-size:13px}' +
      '.r{display:flex;flex-wrap:wrap;align-items:center;gap:6px 14px}.g{padding:9px 18px;border:0;border-radius:8px;background:' +
      blue +
      ';color:#fff;font:inherit;font-weight:700;cursor:pointer}' +
      'a{color:' +
      blue +
      '}.d{display:flex;flex-wrap:wrap;align-items:baseline;gap:2px 16px;margin:8px 0 0;font-size:14px}' +
      '.l{padding:4px 0;border:0;background:none;color:#4a5263;font:inherit;text-decoration:underline;cursor:pointer}' +
      'input:focus-visible+span,.g:focus-visible,.l:focus-visible,a:focus-visible,.x:focus-visible{outline:3px solid #1d2330;outline-offset:2px}' +
      '.x{position:absolute;top:4px;right:4px;width:36px;height:36px;border:0;background:transparent;' +
      'font-size:22px;line-height:1;cursor:pointer;color:#4a5263;border-radius:6px}' +
      // Wide hosts: the choice beside the words.
      '@container (min-width:640px){.b{display:grid;grid-template-columns:minmax(0,1fr) auto;column-gap:24px}' +
      '.b>h2,.t,.f,.bar{grid-column:1}.b>form{grid-column:2;grid-row:1/span 4;align-self:center}.d{grid-column:1/-1}}';
    var box = el('section', { class: 'b', 'aria-label': b.label });
    if (b.lang) box.setAttribute('lang', b.lang);
    if (b.headline) box.appendChild(el('h2', {}, b.headline));
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
    fill.style.width = (b.fillPercent === undefined ? b.barPercent : b.fillPercent) + '%';
    bar.appendChild(fill);
    box.appendChild(bar);
    box.appendChild(b.amounts ? giveForm(b) : links(b));
    box.appendChild(dismiss(b, host));
    root.appendChild(style);
    root.appendChild(box);
  }

  // An older banner.json without the choice: the links to the appeal.
  function links(b) {
    var acts = el('div', { class: 'r' });
    b.links.forEach(function (l, i) {
      acts.appendChild(el('a', { href: l.href, target: '_top', class: i ? '' : 'g' }, l.text));
    });
    return acts;
  }

  // Amount and once/monthly, posted to the site's donate form in the top window (the site
  // accepts posts from the hosts in EMBED_ALLOWED_ORIGINS).
  function giveForm(b) {
    var form = el('form', { method: 'post', action: b.donateUrl, target: '_top' });
    var id = el('input', { type: 'hidden', name: 'form_id' });
    if (window.crypto && crypto.randomUUID) id.value = crypto.randomUUID();
    form.appendChild(id);
    function group(cls, legend, items, name, checkedValue) {
      var fs = el('fieldset', { class: cls });
      fs.appendChild(el('legend', {}, legend));
      items.forEach(function (it) {
        var label = el('label');
        var input = el('input', { type: 'radio', name: name, value: String(it.value) });
        input.checked = it.value === checkedValue;
        var span = el('span', {}, it.text);
        if (name === 'amount') {
          if (!it.monthly) label.setAttribute('data-once-only', '');
          span.appendChild(el('span', { class: 'm', hidden: '' }, b.monthlySuffix));
        }
        label.appendChild(input);
        label.appendChild(span);
        fs.appendChild(label);
      });
      return fs;
    }
    if (b.lang) form.appendChild(el('input', { type: 'hidden', name: 'lang', value: b.lang }));
    // In an experiment: the variant shown, so the gift (and the click) count for it.
    if (b.variant) {
      form.appendChild(el('input', { type: 'hidden', name: 'banner_variant', value: b.variant }));
      form.appendChild(el('input', { type: 'hidden', name: 'via', value: 'banner' }));
    }
    form.appendChild(group('q', b.howOftenLabel || 'How often', b.frequencies, 'frequency', 'once'));
    var amounts = group('a', b.amountLabel || 'Amount', b.amounts, 'amount', b.defaultAmount);
    form.appendChild(amounts);
    var row = el('div', { class: 'r' });
    var button = el('button', { type: 'submit', class: 'g' }, b.giveText);
    row.appendChild(button);
    row.appendChild(el('a', { href: b.otherAmountUrl, target: '_top' }, b.otherAmountText || 'Other amount'));
    form.appendChild(row);
    function update() {
      var monthly = form.querySelector('input[name=frequency]:checked').value === 'monthly';
      var labels = amounts.querySelectorAll('label');
      for (var i = 0; i < labels.length; i++) {
        labels[i].hidden = monthly && labels[i].hasAttribute('data-once-only');
        labels[i].querySelector('.m').hidden = !monthly;
        if (labels[i].hidden) labels[i].querySelector('input').checked = false;
      }
      var amount = amounts.querySelector('input:checked');
      if (!amount) {
        amount =
          amounts.querySelector('label:not([hidden]) input[value="' + b.defaultAmount + '"]') ||
          amounts.querySelector('label:not([hidden]) input');
        amount.checked = true;
      }
      // The server's words in the reader's language ("Give {amount} monthly"); older servers sent none.
      var words =
        (monthly ? b.giveMonthlyTemplate : b.giveOnceTemplate) || 'Give {amount}' + (monthly ? ' monthly' : ' once');
      button.textContent = words.replace('{amount}', amount.nextSibling.firstChild.textContent);
    }
    form.addEventListener('change', update);
    update();
    return form;
  }

  function dismiss(b, host) {
    var d = el('div', { class: 'd' });
    function hider(label, cls, reason, until) {
      var button = el('button', { type: 'button', class: cls }, label);
      button.addEventListener('click', function () {
        hide(reason, until());
        host.remove();
      });
      return button;
    }
    var days = function (n) {
      return function () {
        return Date.now() + n * 864e5;
      };
    };
    if (b.laterLabel) d.appendChild(hider(b.laterLabel, 'l', 'later', days(b.closeDays)));
    if (b.gaveLabel)
      d.appendChild(
        hider(b.gaveLabel, 'l', 'gave', function () {
          return b.giftHideDays ? days(b.giftHideDays)() : new Date(b.campaignEndsAt).getTime();
        }),
      );
    if (b.privacyUrl) d.appendChild(el('a', { href: b.privacyUrl, target: '_top' }, b.privacyText || 'Privacy'));
    var close = hider('\u00d7', 'x', 'close', days(b.closeDays));
    close.setAttribute('aria-label', b.closeLabel);
    d.appendChild(close);
    return d;
  }
})();
