/* The iframe banner's enhancements (it works without them): the Give button says what it will
   do, monthly mode shows "/month" and its amounts, each view gets a form id (a double click
   finds the same Checkout Session), and the banner tells the host page its height, so the
   host's two-line snippet can size the frame (0 when hidden). */
(function () {
  var framed = window.parent !== window;
  function postHeight() {
    if (!framed) return;
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    // The height is no secret and the host's origin is not known here: any parent may read it.
    window.parent.postMessage({ fundraiserHeight: h }, '*');
  }
  if (framed) {
    if (window.ResizeObserver) new ResizeObserver(postHeight).observe(document.documentElement);
    window.addEventListener('load', postHeight);
    postHeight();
  }

  var form = document.querySelector('[data-give]');
  if (!form) return;
  var id = form.querySelector('input[name="form_id"]');
  if (window.crypto && crypto.randomUUID) id.value = crypto.randomUUID();
  var button = form.querySelector('[data-give-button]');

  function checked(name) {
    return form.querySelector('input[name="' + name + '"]:checked');
  }
  function update() {
    var monthly = (checked('frequency') || {}).value === 'monthly';
    var labels = form.querySelectorAll('.amounts label');
    for (var i = 0; i < labels.length; i++) {
      var onceOnly = labels[i].hasAttribute('data-once-only');
      labels[i].hidden = monthly && onceOnly;
      labels[i].querySelector('.per-month').hidden = !monthly;
      var input = labels[i].querySelector('input');
      if (labels[i].hidden && input.checked) input.checked = false;
    }
    var amount = checked('amount');
    if (!amount) {
      var shown = '.amounts label:not([hidden]) input';
      amount = form.querySelector(shown + '[value="25"]') || form.querySelector(shown);
      amount.checked = true;
    }
    var text = amount.parentNode.querySelector('span').firstChild.textContent;
    // The words come from the page, in its language: "Give {amount} monthly".
    button.textContent = form.getAttribute(monthly ? 'data-give-monthly' : 'data-give-once').replace('{amount}', text);
  }
  form.addEventListener('change', update);
  update();
})();
