// The dialog and toast styles (css/dialog.css) are fetched when the first dialog or toast is
// shown, not with every page: a page names the hashed file in an inert
// <template id="dj-ui-css"><link rel="stylesheet" href="…"></template>, and this adds it.
const WAIT_MS = 3000; // a stylesheet that does not come: show the message unstyled, not never

let loading = null;

/** Resolves once the styles are in (or could not be had). */
export function uiStyles() {
  if (!loading) {
    const source = document.getElementById('dj-ui-css');
    const link = source && source.content && source.content.querySelector('link');
    loading = !link
      ? Promise.resolve()
      : new Promise((resolve) => {
          const node = link.cloneNode(true);
          node.addEventListener('load', resolve);
          node.addEventListener('error', resolve);
          setTimeout(resolve, WAIT_MS);
          document.head.append(node);
        });
  }
  return loading;
}
