// "Copy link" without leaving the page, where the browser allows it. Without
// JavaScript the link is simply the article's address.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[data-copy]");
  if (!link || !navigator.clipboard) return;
  event.preventDefault();
  navigator.clipboard.writeText(link.href).then(function () {
    link.textContent = "Link copied";
  });
});
