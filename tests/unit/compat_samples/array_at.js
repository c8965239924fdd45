// Array.prototype.at: Chrome 92, iOS 15.4.
export function last(items) {
  return items.at(-1);
}
