/* The thank-you page's "Copy link": without JavaScript the link stays in a read-only field to
   select and copy by hand; with it, a button copies it and says so. */
(function () {
  var box = document.querySelector('[data-copy-link]');
  if (!box) return;
  var field = box.querySelector('input');
  var button = box.querySelector('[data-copy]');
  var status = box.querySelector('[data-copy-status]');
  button.hidden = false;
  function done(ok) {
    // The page's own words, in its language.
    status.textContent = box.getAttribute(ok ? 'data-copied' : 'data-copy-failed');
    if (!ok) field.select();
  }
  button.addEventListener('click', function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () {
          done(true);
        },
        function () {
          done(false);
        },
      );
      return;
    }
    // http pages have no Clipboard API: the older command still copies a selection.
    field.select();
    var ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (e) {}
    done(ok);
  });
  field.addEventListener('focus', function () {
    field.select();
  });
})();
