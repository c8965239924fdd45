// Small DOM helpers the page modules share (one definition each).

// An element with a class and text (set as text: member text is never parsed as HTML).
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// "2026-03-02T09:00:00.123456+08:00" -> "2026-03-02 09:00" (the server's times are Beijing time)
export function when(iso) {
  return iso ? iso.slice(0, 16).replace('T', ' ') : '';
}

// Hand a file the page holds (a fetched workbook, her data) to the browser's download.
export function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
