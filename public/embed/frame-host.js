/* The demo host page's copy of the two-line snippet in README ("The banner on the host site"):
   the frame starts at height 0 (its fixed CSS height is for readers without JavaScript) and
   takes the height the banner posts, only from the banner's own origin and frame. */
(function (f, o) {
  f.style.height = '0';
  addEventListener('message', function (e) {
    var h = e.data && e.data.fundraiserHeight;
    if (e.origin === o && e.source === f.contentWindow && typeof h === 'number') {
      f.style.height = h + 'px';
      f.style.visibility = h ? '' : 'hidden';
    }
  });
})(document.getElementById('fundraiser-banner'), new URL(document.getElementById('fundraiser-banner').src).origin);
